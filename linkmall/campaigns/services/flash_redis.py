"""The flash sale's Redis admission path (秒杀, used when settings.REDIS_URL is set).

One Lua script per attempt decides admission atomically: the slot is open, the sale is active,
taken + q ≤ stock and the buyer's count + q ≤ the limit; an admitted buyer is appended to a
stream with what the order's writer needs (sale, buyer, quantity, address, the client's token,
and for a pick-up order (到店自提) the store; its address is 0 when the buyer gave none).
The orders are written by `orders.flash_worker` (a consumer group; XACK only after the database
commit), which runs the database path's transaction for each entry, where the guarded UPDATE of
`flash_take` stays the safety net.

Per sale, under a prefix of its own for each database (`prefix()`):

- `sale:<id>` hash: status, starts / ends (epoch ms), stock, limit, `taken` (units admitted and
  not released: held + sold + not yet written) and `queued` (admitted, not yet written);
- `buyers:<id>` hash: user id → units; `tokens:<id>` hash: "user:token" → stream id (a retry
  with the same token gets the same ticket);
- the stream `stream` (group `writers`) and `refused:<stream id>` for the rare entry the database
  refused.

A sale is loaded from the database by the first attempt that finds it absent (`held + sold +
returned` units taken, FlashBuyer counts), status moves are copied to it, units released by an
unpaid order go back (`flash_redis_release`), and before a sale ends in the database its stream is
drained (`flash_redis_stop`: no more admissions, and True once nothing is queued), so the database
counters are the record once it is over.
"""

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import redis
from django.conf import settings
from django.db import connection

from linkmall.campaigns.models import CampaignStatus, FlashBuyer, FlashSale
from linkmall.core import clock
from linkmall.core.errors import Conflict, DomainError, NotFound

GROUP = "writers"
#: the longest slot (campaigns.services.flash.MAX_SLOT): how long a buyer's count may be needed
MAX_SLOT = timedelta(days=7)
#: how long the Redis keys of a sale outlive its slot (a backstop: the end drains and marks them)
KEEP_AFTER_END = timedelta(days=2)
#: how long a refused entry's answer stays readable by its ticket
REFUSED_TTL_SECONDS = 86_400

_ADMIT = """
local s = redis.call('HMGET', KEYS[1], 'status', 'starts', 'ends', 'stock', 'taken', 'limit')
if not s[1] then return {'unloaded'} end
local tk = ARGV[2] .. ':' .. ARGV[5]
local seen = redis.call('HGET', KEYS[3], tk)
if seen then return {'ok', seen} end
local now = tonumber(ARGV[1])
if s[1] == 'ended' or now >= tonumber(s[3]) then return {'flash_ended'} end
if s[1] == 'paused' then return {'flash_paused'} end
if s[1] ~= 'active' or now < tonumber(s[2]) then return {'flash_not_started'} end
local q = tonumber(ARGV[3])
if tonumber(s[5]) + q > tonumber(s[4]) then return {'flash_sold_out'} end
local mine = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if mine + q > tonumber(s[6]) then return {'flash_limit_reached'} end
if ARGV[8] == '1' then return {'would'} end
redis.call('HINCRBY', KEYS[1], 'taken', q)
redis.call('HINCRBY', KEYS[1], 'queued', q)
redis.call('HINCRBY', KEYS[2], ARGV[2], q)
local id = redis.call('XADD', KEYS[4], '*', 'sale', ARGV[6], 'user', ARGV[2], 'qty', ARGV[3],
                      'address', ARGV[4], 'token', ARGV[5], 'store', ARGV[9])
redis.call('HSET', KEYS[3], tk, id)
redis.call('PEXPIRE', KEYS[2], ARGV[7])
redis.call('PEXPIRE', KEYS[3], ARGV[7])
return {'ok', id}
"""

_LOAD = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'starts', ARGV[2], 'ends', ARGV[3], 'stock', ARGV[4],
           'taken', ARGV[5], 'limit', ARGV[6], 'queued', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('DEL', KEYS[2])
for i = 8, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
if #ARGV >= 8 then redis.call('PEXPIRE', KEYS[2], ARGV[7]) end
return 1
"""

# written: the entry's order is in the database (acked once, so `queued` goes down once)
_WRITTEN = """
if redis.call('XACK', KEYS[2], ARGV[1], ARGV[2]) == 1 and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'queued', -tonumber(ARGV[3]))
end
redis.call('XDEL', KEYS[2], ARGV[2])
return 1
"""

# refused by the database (never expected): the admission is given back, and the ticket says why
_REFUSED = """
if redis.call('XACK', KEYS[2], ARGV[1], ARGV[2]) == 1 and redis.call('EXISTS', KEYS[1]) == 1 then
  local q = tonumber(ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'queued', -q)
  if redis.call('HGET', KEYS[1], 'status') ~= 'ended' then
    redis.call('HINCRBY', KEYS[1], 'taken', -q)
    if tonumber(redis.call('HGET', KEYS[3], ARGV[4]) or '0') >= q then redis.call('HINCRBY', KEYS[3], ARGV[4], -q) end
  end
end
redis.call('XDEL', KEYS[2], ARGV[2])
redis.call('SET', KEYS[4], ARGV[5], 'EX', ARGV[6])
return 1
"""

_RELEASE = """
local s = redis.call('HMGET', KEYS[1], 'status', 'taken')
if not s[1] or s[1] == 'ended' then return 0 end
local q = tonumber(ARGV[2])
if tonumber(s[2]) >= q then redis.call('HINCRBY', KEYS[1], 'taken', -q) end
if tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') >= q then redis.call('HINCRBY', KEYS[2], ARGV[1], -q) end
return 1
"""

# a status move (never away from ended); returns what is still queued, -1 when not loaded
_STATUS = """
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return -1 end
if current ~= 'ended' then redis.call('HSET', KEYS[1], 'status', ARGV[1]) end
if ARGV[1] == 'ended' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return tonumber(redis.call('HGET', KEYS[1], 'queued') or '0')
"""


def enabled() -> bool:
    """Whether admission goes through Redis (settings.REDIS_URL is set)."""
    return bool(getattr(settings, "REDIS_URL", ""))


class FlashUnavailable(DomainError):
    """Redis did not answer: the attempt changed nothing and may be tried again."""

    code = "flash_unavailable"
    status = 503


_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def client() -> Any:
    """One connection pool per URL and process (thread-safe; a forked process makes its own)."""
    url = settings.REDIS_URL
    with _clients_lock:
        found = _clients.get(url)
        if found is None:
            found = _clients[url] = redis.Redis.from_url(url, decode_responses=True, health_check_interval=30)
    return found


def prefix() -> str:
    """Every key's prefix: settings.FLASH_REDIS_PREFIX and the database's name (hashed), so two
    databases — two parallel test workers, the bench's databases — never share a sale's keys."""
    name = str(connection.settings_dict.get("NAME") or "")
    digest = hashlib.sha1(f"{connection.vendor}:{name}".encode()).hexdigest()[:10]
    return f"{getattr(settings, 'FLASH_REDIS_PREFIX', 'linkmall')}:{digest}:flash:"


def stream_key() -> str:
    return prefix() + "stream"


def _keys(sale_id: int) -> tuple[str, str, str]:
    p = prefix()
    return f"{p}sale:{sale_id}", f"{p}buyers:{sale_id}", f"{p}tokens:{sale_id}"


def refused_key(ticket: str) -> str:
    return f"{prefix()}refused:{ticket}"


class _Scripts:
    """The scripts, registered once per client (EVALSHA, falling back to EVAL after a flush)."""

    def __init__(self) -> None:
        self._by_client: dict[int, dict[str, Any]] = {}

    def get(self, name: str) -> Any:
        r = client()
        scripts = self._by_client.get(id(r))
        if scripts is None:
            scripts = self._by_client[id(r)] = {
                "admit": r.register_script(_ADMIT), "load": r.register_script(_LOAD),
                "written": r.register_script(_WRITTEN), "refused": r.register_script(_REFUSED),
                "release": r.register_script(_RELEASE), "status": r.register_script(_STATUS),
            }
        return scripts[name]


_scripts = _Scripts()


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _ttl_ms(ends_at: datetime) -> int:
    """How long a sale's keys live (relative, so a moved clock does not expire them at once):
    until `KEEP_AFTER_END` after its end, at least that long."""
    now = clock.now()
    return _ms(max(ends_at, now) + KEEP_AFTER_END) - _ms(now)


@dataclass(frozen=True)
class Admission:
    """An admitted attempt: its ticket (the stream entry's id) until the worker writes the order."""

    sale_id: int
    ticket: str


def _refusal(code: str, sale_id: int) -> Conflict:
    """The same refusals as the database path (`campaigns.services.flash._refusal`)."""
    messages = {"flash_ended": "The flash sale is over.", "flash_paused": "The flash sale is paused.",
                "flash_not_started": "The flash sale has not started.",
                "flash_sold_out": "The flash sale is sold out.",
                "flash_limit_reached": "You have reached the limit of this flash sale."}
    return Conflict(messages[code], code=code, detail={"sale_id": sale_id})


def _load(sale_id: int) -> None:
    """Copy a sale from the database into Redis, unless another process did first."""
    sale = FlashSale.objects.filter(pk=sale_id).first()
    if sale is None:
        raise NotFound("No such flash sale.")
    sale_key, buyers_key, _tokens = _keys(sale_id)
    pairs: list[Any] = []
    for user_id, taken in FlashBuyer.objects.filter(sale_id=sale_id, taken__gt=0).values_list("user_id", "taken"):
        pairs += [user_id, taken]
    _scripts.get("load")(keys=[sale_key, buyers_key], args=[
        sale.status, _ms(sale.starts_at), _ms(sale.ends_at), sale.stock, sale.held + sale.sold + sale.returned,
        sale.per_user_limit, _ttl_ms(sale.ends_at), *pairs])


def flash_admit(*, buyer_id: int, sale_id: int, quantity: int, address_id: int, token: str,
                now: datetime, before_admitting: Callable[[], None] | None = None,
                pickup_store_id: int = 0) -> Admission:
    """One attempt in Redis: the ticket of the admitted buyer, or the refusal's Conflict (the same
    codes as the database path). A retry with the same token gets the first ticket.
    `pickup_store_id` (0: delivery) and `address_id` (0: none, for a pick-up) go into the entry.

    `before_admitting` (the caller's check of the address, a database query) runs only for an
    attempt the script would admit: the script first runs without writing, so the many refused
    attempts of a sold-out sale cost one script and no query; an admitted one costs two scripts."""
    try:
        return _admit(buyer_id=buyer_id, sale_id=sale_id, quantity=quantity, address_id=address_id, token=token,
                      now=now, before_admitting=before_admitting, pickup_store_id=pickup_store_id)
    except redis.RedisError as exc:
        raise FlashUnavailable("The flash sale cannot take attempts right now; try again in a moment.",
                               detail={"sale_id": sale_id}) from exc


def _admit(*, buyer_id: int, sale_id: int, quantity: int, address_id: int, token: str,
           now: datetime, before_admitting: Callable[[], None] | None, pickup_store_id: int = 0) -> Admission:
    sale_key, buyers_key, tokens_key = _keys(sale_id)
    args = [_ms(now), buyer_id, quantity, address_id, token, sale_id, _ttl_ms(now + MAX_SLOT)]
    dry = before_admitting is not None
    for _attempt in range(3):
        answer = _scripts.get("admit")(keys=[sale_key, buyers_key, tokens_key, stream_key()],
                                       args=[*args, "1" if dry else "0", pickup_store_id])
        if answer[0] == "ok":
            return Admission(sale_id=sale_id, ticket=str(answer[1]))
        if answer[0] == "would" and before_admitting is not None:
            before_admitting()
            dry = False
        elif answer[0] == "unloaded":
            _load(sale_id)
        else:
            raise _refusal(str(answer[0]), sale_id)
    raise Conflict("The flash sale could not be loaded.", code="flash_sold_out", detail={"sale_id": sale_id})


def flash_redis_counts(*, sale_ids: list[int], user_id: int | None) -> dict[int, tuple[int, int]]:
    """{sale_id: (units taken, the user's units)} of the sales loaded in Redis (the hall shows
    these: a sold-out sale is sold out before its orders are written). Empty when Redis does not
    answer: the hall then shows the database's counts."""
    if not sale_ids:
        return {}
    pipe = client().pipeline(transaction=False)
    for sale_id in sale_ids:
        sale_key, buyers_key, _tokens = _keys(sale_id)
        pipe.hget(sale_key, "taken")
        pipe.hget(buyers_key, str(user_id or 0))
    try:
        answers = pipe.execute()
    except redis.RedisError:
        return {}
    out: dict[int, tuple[int, int]] = {}
    for i, sale_id in enumerate(sale_ids):
        taken, mine = answers[2 * i], answers[2 * i + 1]
        if taken is not None:
            out[sale_id] = (int(taken), int(mine or 0))
    return out


def flash_redis_status(*, sale_id: int, status: str) -> int:
    """Copy a status move to Redis (never away from ended); what is still queued, -1 when the sale
    is not loaded."""
    sale_key, _buyers, _tokens = _keys(sale_id)
    return int(_scripts.get("status")(keys=[sale_key], args=[status, int(KEEP_AFTER_END.total_seconds() * 1000)]))


def flash_redis_stop(*, sale_id: int) -> bool:
    """Before a sale ends in the database: no more admissions in Redis; True once every admitted
    buyer's order is written (nothing queued), so the database counters are the whole record."""
    return flash_redis_status(sale_id=sale_id, status=CampaignStatus.ENDED) <= 0


def flash_redis_release(*, sale_id: int, user_id: int, quantity: int) -> None:
    """An unpaid order's units went back to the sale in the database: back on sale in Redis too,
    and the buyer's count down (nothing when the sale is not loaded or has ended)."""
    sale_key, buyers_key, _tokens = _keys(sale_id)
    _scripts.get("release")(keys=[sale_key, buyers_key], args=[user_id, quantity])


# --- the stream, for the worker (orders.flash_worker) ----------------------------------------------

@dataclass(frozen=True)
class StreamEntry:
    id: str
    sale_id: int
    user_id: int
    quantity: int
    address_id: int
    token: str
    #: a pick-up order's store (到店自提); 0 for a delivery (and in entries written before stores)
    pickup_store_id: int = 0


def _entry(entry_id: str, fields: dict[str, str] | None) -> StreamEntry | None:
    if not fields:
        return None  # deleted after it was read: already written
    return StreamEntry(id=entry_id, sale_id=int(fields["sale"]), user_id=int(fields["user"]),
                       quantity=int(fields["qty"]), address_id=int(fields["address"]), token=fields["token"],
                       pickup_store_id=int(fields.get("store") or 0))


def ensure_group() -> None:
    try:
        client().xgroup_create(stream_key(), GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def claim_pending(*, consumer: str, count: int = 200) -> list[StreamEntry | str]:
    """Every entry delivered before and never acked, by any consumer (a killed worker's batch),
    moved to `consumer`: the reconcile on start. Deleted entries come back as their bare id."""
    out: list[StreamEntry | str] = []
    cursor = "0-0"
    while True:
        answer = client().xautoclaim(stream_key(), GROUP, consumer, min_idle_time=0, start_id=cursor, count=count)
        cursor, claimed = answer[0], answer[1]
        for entry_id, fields in claimed:
            out.append(_entry(entry_id, fields) or entry_id)
        for entry_id in answer[2] if len(answer) > 2 else []:
            out.append(entry_id)
        if cursor == "0-0":
            return out


def read_new(*, consumer: str, count: int, block_ms: int) -> list[StreamEntry | str]:
    answer = client().xreadgroup(GROUP, consumer, {stream_key(): ">"}, count=count, block=block_ms or None)
    out: list[StreamEntry | str] = []
    for _stream, entries in answer or []:
        for entry_id, fields in entries:
            out.append(_entry(entry_id, fields) or entry_id)
    return out


def mark_written(entries: list[tuple[str, int, int]]) -> None:
    """(entry id, sale id, quantity) whose orders are committed: ack them, one round trip."""
    if not entries:
        return
    r = client()
    script = _scripts.get("written")
    pipe = r.pipeline(transaction=False)
    for entry_id, sale_id, quantity in entries:
        script(keys=[_keys(sale_id)[0], stream_key()], args=[GROUP, entry_id, quantity], client=pipe)
    pipe.execute()


def mark_refused(*, entry: StreamEntry, code: str) -> None:
    """The database refused an admitted entry (never expected): give the admission back in Redis
    and keep the refusal where the buyer's ticket finds it."""
    sale_key, buyers_key, _tokens = _keys(entry.sale_id)
    _scripts.get("refused")(keys=[sale_key, stream_key(), buyers_key, refused_key(entry.id)],
                            args=[GROUP, entry.id, entry.quantity, entry.user_id,
                                  f"{code}|{entry.user_id}|{entry.sale_id}", REFUSED_TTL_SECONDS])


def ack_gone(entry_id: str) -> None:
    client().xack(stream_key(), GROUP, entry_id)


def entry_of(ticket: str) -> StreamEntry | None:
    """The stream entry of a ticket while its order is not written yet."""
    found = client().xrange(stream_key(), min=ticket, max=ticket, count=1)
    return _entry(found[0][0], found[0][1]) if found else None


def refused(ticket: str) -> tuple[str, int, int] | None:
    """(code, user id, sale id) of an admission the database refused."""
    value = client().get(refused_key(ticket))
    if not value:
        return None
    code, user_id, sale_id = str(value).split("|")
    return code, int(user_id), int(sale_id)


def queued(*, sale_id: int) -> int:
    value = client().hget(_keys(sale_id)[0], "queued")
    return int(value or 0)


def loaded_sales() -> list[int]:
    """The ids of the sales loaded in Redis under this prefix (the worker's periodic status sync)."""
    p = prefix() + "sale:"
    return sorted(int(key[len(p):]) for key in client().scan_iter(match=p + "*", count=500))


def flash_redis_sync() -> int:
    """Copy the database's status of every loaded sale to Redis (a status move whose copy was lost
    with its process; never away from ended): the worker runs it now and then. How many changed."""
    sale_ids = loaded_sales()
    if not sale_ids:
        return 0
    r = client()
    pipe = r.pipeline(transaction=False)
    for sale_id in sale_ids:
        pipe.hget(_keys(sale_id)[0], "status")
    in_redis = dict(zip(sale_ids, pipe.execute(), strict=True))
    changed = 0
    for sale_id, status in FlashSale.objects.filter(pk__in=sale_ids).values_list("pk", "status"):
        if in_redis.get(sale_id) not in (None, status, CampaignStatus.ENDED):
            flash_redis_status(sale_id=sale_id, status=status)
            changed += 1
    return changed
