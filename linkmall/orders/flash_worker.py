"""The flash sale's order writer on the Redis path (`linkmall flash worker`).

Redis admits buyers and appends each to a stream (`campaigns.services.flash_redis`); this worker
reads the stream as the consumer group `writers` and, for a batch of entries in one database
transaction, runs `flash_attempt(admitted=True)` for each (a savepoint per entry) with the
`client_token` derived from the entry's id; an entry with a store is a pick-up order (到店自提) there,
its address optional (0: none). Only after the commit are the entries acknowledged
(XACK), so an entry read and never acknowledged — the worker or its host killed mid-batch — is
read again: on start the worker claims every pending entry of the group (`reconcile`) and writes
them first, and the replay finds the orders already written through their client_token, so no
buyer gets a second order and none is lost.

An entry the database refuses (never expected: Redis admitted no more than the sale holds) is
recorded and its admission given back in Redis (`mark_refused`), so nothing is oversold or lost
silently.
"""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import redis
from django.db import connection, transaction

from linkmall.accounts.models import User
from linkmall.campaigns.services import flash_redis
from linkmall.campaigns.services.flash_redis import StreamEntry
from linkmall.core.errors import DomainError
from linkmall.customers.models import Address
from linkmall.orders.flash import flash_attempt, queued_token
from linkmall.stores.models import Store

logger = logging.getLogger(__name__)

#: how often the worker copies the database's status of loaded sales to Redis
SYNC_SECONDS = 5.0


@dataclass
class Written:
    written: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)


def write_entries(entries: Sequence[StreamEntry | str]) -> Written:
    """Write the orders of a batch of admitted entries in one transaction, then acknowledge them.
    A bare id is an entry deleted after it was written: acknowledged only."""
    result = Written()
    live = [entry for entry in entries if isinstance(entry, StreamEntry)]
    for gone in entries:
        if isinstance(gone, str):
            flash_redis.ack_gone(gone)
    if not live:
        return result
    users = User.objects.in_bulk({entry.user_id for entry in live})
    addresses = Address.objects.in_bulk({entry.address_id for entry in live if entry.address_id})
    stores = Store.objects.in_bulk({entry.pickup_store_id for entry in live if entry.pickup_store_id})
    done: list[tuple[str, int, int]] = []
    refused: list[tuple[StreamEntry, str]] = []
    with transaction.atomic():
        for entry in live:
            buyer, address = users.get(entry.user_id), addresses.get(entry.address_id)
            store = stores.get(entry.pickup_store_id)
            if buyer is None or (entry.address_id and (address is None or address.user_id != entry.user_id)):
                refused.append((entry, "not_found"))
                continue
            if (entry.pickup_store_id and store is None) or (not entry.pickup_store_id and address is None):
                refused.append((entry, "pickup_store_not_found" if entry.pickup_store_id else "not_found"))
                continue
            try:
                flash_attempt(buyer=buyer, sale_id=entry.sale_id, address=address, pickup_store=store,
                              client_token=queued_token(entry.id), quantity=entry.quantity, admitted=True)
            except DomainError as exc:
                refused.append((entry, exc.code))
                continue
            done.append((entry.id, entry.sale_id, entry.quantity))
    # committed: now, and only now, the entries are acknowledged
    flash_redis.mark_written(done)
    for entry, code in refused:
        logger.error("flash sale %s: the database refused admitted entry %s of user %s (%s); "
                     "the admission is given back", entry.sale_id, entry.id, entry.user_id, code)
        flash_redis.mark_refused(entry=entry, code=code)
        result.refused.append((entry.id, code))
    result.written = len(done)
    return result


def _add(total: Written, part: Written) -> None:
    total.written += part.written
    total.refused += part.refused


def _reconnect() -> None:
    """After a failure: a broken connection is opened again by the next query (never inside a
    caller's transaction)."""
    if not connection.in_atomic_block:
        connection.close()


def write_safely(entries: Sequence[StreamEntry | str]) -> tuple[Written, bool]:
    """`write_entries`, and when the batch fails (the database or Redis away, or one entry that
    cannot be written), each entry on its own: one bad entry never holds up the others. What still
    fails stays pending, unacknowledged, for the next reconcile. (written, whether all went)"""
    try:
        return write_entries(entries), True
    except Exception:
        logger.exception("flash worker: a batch of %s failed; writing its entries one by one", len(entries))
        _reconnect()
    total, ok = Written(), True
    for entry in entries:
        try:
            _add(total, write_entries([entry]))
        except Exception:
            logger.exception("flash worker: entry %s could not be written; it stays pending",
                             entry if isinstance(entry, str) else entry.id)
            _reconnect()
            ok = False
    return total, ok


def reconcile(*, consumer: str, batch: int = 100) -> Written:
    """On start: every entry delivered before and never acknowledged (by any consumer) is claimed
    and written; those whose orders exist are found through their client_token."""
    flash_redis.ensure_group()
    pending = flash_redis.claim_pending(consumer=consumer)
    total = Written()
    for start in range(0, len(pending), batch):
        _add(total, write_safely(pending[start:start + batch])[0])
    if pending:
        logger.info("flash worker: reconciled %s pending entries", len(pending))
    return total


def run(*, consumer: str = "flash-worker", batch: int = 100, block_ms: int = 1000, once: bool = False,
        stopped: Callable[[], bool] = lambda: False, max_seconds: float = 0) -> Written:
    """Reconcile, then write batches as they come until `stopped()` (SIGTERM), `max_seconds`, or
    — with `once` — until the stream has nothing new."""
    total = reconcile(consumer=consumer, batch=batch)
    began = last_sync = time.monotonic()
    behind = False  # entries left pending by a failure: claimed again at the next sync
    while not stopped() and not (max_seconds and time.monotonic() - began >= max_seconds):
        try:
            entries = flash_redis.read_new(consumer=consumer, count=batch, block_ms=0 if once else block_ms)
        except redis.RedisError:
            if once:
                raise
            logger.exception("flash worker: Redis is not answering; trying again")
            time.sleep(1)
            continue
        part, ok = write_safely(entries)
        _add(total, part)
        behind = behind or not ok
        if time.monotonic() - last_sync >= SYNC_SECONDS or (once and not entries):
            try:
                flash_redis.flash_redis_sync()
                if behind:
                    _add(total, reconcile(consumer=consumer, batch=batch))
                    behind = False
            except Exception:
                logger.exception("flash worker: the periodic sync failed")
                _reconnect()
            last_sync = time.monotonic()
        if once and not entries:
            break
    return total
