"""Flash-sale drill through the real API: POST /api/v1/campaigns/flash/{id}/attempts to a gunicorn on
loopback (docs/specs/campaigns.md, "Flash sale").

    python -m bench.flash [--backend postgresql|sqlite] [--redis] [--crash] [--quick]
                          [--buyers 2000] [--units 500] [--clients 64] [--workers N] [--threads N]

A throwaway database of the chosen kind is migrated and seeded with one merchant, one listing, a
running flash sale of `--units` units with a per-user limit of 1, and `--buyers` consumers, each
with a Bearer token and a default address (prepared before the drill, untimed). `--clients`
threads, each on its own keep-alive connection, send every buyer's attempt once, all released at
the same moment. With `--redis` the server runs the Redis path (REDIS_URL; keys under a prefix of
this run's own) and `linkmall flash worker` writes the orders beside it.

Reported: attempts/s, admitted, refused, p50 / p99 of an attempt, the time from the last admitted
answer until the last admitted buyer's order exists, and oversold, counted from the database after
the drill (FlashEntry rows and order lines against the stock; every admitted buyer must have
exactly one order). With `--crash` (Redis only) a second drill queues every admission with no
worker running, starts the worker, kills it with SIGKILL while it is writing (some orders committed,
a batch read and not acknowledged), starts it again, and checks that every admitted buyer has
exactly one order. Exit status 1 when a check fails. Prints one JSON line.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import IO

from bench.loadgen import Post, post_burst
from bench.server import ROOT, running_server, throwaway_database

PG_SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def _seed(*, buyers: int) -> dict:
    import secrets

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from linkmall import testing as t
    from linkmall.accounts.auth import token_hash
    from linkmall.accounts.models import ApiToken, Role, User
    from linkmall.core import clock
    from linkmall.customers.models import Address

    call_command("migrate", verbosity=0, interactive=False)
    merchant = t.make_merchant("秒杀商家")
    owner = t.make_merchant_owner(merchant)
    unusable = make_password(None)
    now = clock.now()
    users = User.objects.bulk_create(
        [User(username=f"flash{n}", phone=f"136{n:08d}", role=Role.CONSUMER, password=unusable, date_joined=now)
         for n in range(buyers)], batch_size=2000)
    if any(user.pk is None for user in users):  # SQLite before 3.35 gives no ids back
        users = list(User.objects.filter(username__startswith="flash").order_by("pk"))
    addresses = Address.objects.bulk_create(
        [Address(user=user, recipient="买家", phone=user.phone or "", province="上海市", city="上海市", district="浦东新区",
                 detail="世纪大道 1 号", is_default=True) for user in users], batch_size=2000)
    if any(address.pk is None for address in addresses):
        addresses = list(Address.objects.filter(user__in=users).order_by("user_id"))
    keys = [secrets.token_urlsafe(24) for _ in users]
    ApiToken.objects.bulk_create(
        [ApiToken(key_hash=token_hash(key), user=user, created_at=now, expires_at=now + timedelta(days=1))
         for key, user in zip(keys, users, strict=True)], batch_size=2000)
    return {"owner": owner.pk, "merchant": merchant.pk,
            "buyers": [(key, user.pk, address.pk) for key, user, address in zip(keys, users, addresses, strict=True)]}


def _sale(world: dict, *, units: int) -> tuple[int, int]:
    """A sale of a listing of its own, running from a second ago for an hour (its start moved back
    directly: creation wants a start to come). Its id and its listing's."""
    from linkmall import testing as t
    from linkmall.accounts.models import User
    from linkmall.campaigns.models import FlashSale
    from linkmall.campaigns.services.flash import FlashSaleFields, flash_sale_create
    from linkmall.core import clock
    from linkmall.stores.models import Merchant

    merchant = Merchant.objects.get(pk=world["merchant"])
    product = t.make_product(t.make_supplier(), cost_fen=4000, price_fen=10000, stock=units)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=10000)
    start = clock.now() + timedelta(minutes=10)
    sale = flash_sale_create(actor=User.objects.get(pk=world["owner"]), merchant=merchant, fields=FlashSaleFields(
        listing_id=listing.pk, name="20点场", starts_at=start, ends_at=start + timedelta(hours=1),
        price_fen=5900, stock=units, per_user_limit=1))
    FlashSale.objects.filter(pk=sale.pk).update(starts_at=clock.now() - timedelta(seconds=1))
    return sale.pk, listing.pk


def _drill(port: int, sale_id: int, buyers: list, *, clients: int) -> dict:
    """Every buyer's attempt once, `clients` connections at a time, released together."""
    path = f"/api/v1/campaigns/flash/{sale_id}/attempts"
    admitted: list[int] = []  # list.append is atomic: the clients' threads share it
    admitted_at = [0.0]  # wall clock of the last admitted answer

    def on_answer(post: Post, status: int) -> None:
        if status in (201, 202):
            admitted.append(int(str(post.tag)))
            admitted_at[0] = max(admitted_at[0], time.time())

    work = [[Post(path, json.dumps({"address_id": address_id, "client_token": f"drill-{user_id}"}).encode(), key,
                  tag=user_id) for key, user_id, address_id in buyers[k::clients]] for k in range(clients)]
    burst = post_burst(port=port, work=work, warm_up=True, on_answer=on_answer)
    won = sorted(admitted)
    return {"attempts": len(burst.latencies), "seconds": round(burst.seconds, 3), "attempts_per_s": burst.per_s(),
            "p50_ms": burst.ms(0.5), "p99_ms": burst.ms(0.99), "answers": burst.outcomes,
            "admitted": len(won), "refused": len(burst.latencies) - len(won), "admitted_users": won,
            "last_admitted_at": admitted_at[0]}


def _entries(sale_id: int) -> int:
    from django.db import connection

    from linkmall.campaigns.models import FlashEntry

    count = FlashEntry.objects.filter(sale_id=sale_id).count()
    connection.close()
    return count


def _wait_written(sale_id: int, admitted: int, *, worker: subprocess.Popen | None = None,
                  timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while _entries(sale_id) < admitted:
        if worker is not None and worker.poll() is not None:
            log = _LOGS.get(worker.pid)
            sys.stderr.write(f"the flash worker stopped (status {worker.returncode})\n")
            if log is not None:
                log.seek(0)
                sys.stderr.write(log.read()[-3000:] + "\n")
            return False
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _audit(sale_id: int, listing_id: int, admitted_users: list[int], *, units: int) -> dict:
    """From the rows themselves: units in entries and order lines against the stock, and exactly one
    order for every admitted buyer (none for anyone else)."""
    from django.db import connection
    from django.db.models import Count, Max, Sum

    from linkmall.campaigns.models import FlashEntry, FlashSale
    from linkmall.orders.models import Order, OrderLine

    entries = FlashEntry.objects.filter(sale_id=sale_id)
    in_entries = entries.aggregate(n=Sum("quantity"))["n"] or 0
    in_lines = OrderLine.objects.filter(listing_id=listing_id).aggregate(n=Sum("quantity"))["n"] or 0
    per_buyer = dict(Order.objects.filter(lines__listing_id=listing_id).values_list("buyer_id").annotate(
        n=Count("id", distinct=True)))
    sale = FlashSale.objects.get(pk=sale_id)
    last_written = entries.aggregate(at=Max("created_at"))["at"]
    out = {"stock": units, "in_entries": in_entries, "in_order_lines": in_lines,
           "held": sale.held, "sold": sale.sold,
           "oversold": max(0, in_entries - units, in_lines - units, sale.held + sale.sold - units),
           "buyers_with_orders": len(per_buyer),
           "admitted_without_order": sum(1 for user_id in admitted_users if per_buyer.get(user_id, 0) == 0),
           "buyers_with_two_orders": sum(1 for n in per_buyer.values() if n > 1),
           "orders_of_buyers_not_admitted": sum(1 for user_id in per_buyer if user_id not in set(admitted_users)),
           "last_written_at": last_written.timestamp() if last_written else None}
    connection.close()
    return out


_LOGS: dict[int, IO[str]] = {}


def _worker(env: dict[str, str]) -> subprocess.Popen:
    """`linkmall flash worker` beside the server; what it says goes to a file (read if it dies)."""
    linkmall = str(Path(sys.executable).with_name("linkmall"))
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 — kept until the bench exits
    process = subprocess.Popen([linkmall, "flash", "worker"], env=env, cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=log, text=True)
    _LOGS[process.pid] = log
    return process


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.kill(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def _pending() -> int:
    from linkmall.campaigns.services import flash_redis

    return int(flash_redis.client().xpending(flash_redis.stream_key(), flash_redis.GROUP)["pending"])


def _crash_drill(port: int, env: dict[str, str], world: dict, *, units: int, clients: int) -> dict:
    """Every admission queued with no worker running; the worker started, killed with SIGKILL while
    writing, started again: every admitted buyer must end with exactly one order."""
    sale_id, listing_id = _sale(world, units=units)
    drill = _drill(port, sale_id, world["buyers"], clients=clients)
    worker = _worker(env)
    kill_at = max(1, drill["admitted"] // 4)
    deadline = time.monotonic() + 120
    while _entries(sale_id) < kill_at and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.002)
    _stop(worker, signal.SIGKILL)
    written_at_kill = _entries(sale_id)
    pending_at_kill = _pending()
    worker = _worker(env)
    try:
        written = _wait_written(sale_id, drill["admitted"], worker=worker)
    finally:
        _stop(worker)
    audit = _audit(sale_id, listing_id, drill["admitted_users"], units=units)
    return {"sale_id": sale_id, "admitted": drill["admitted"], "written_when_killed": written_at_kill,
            "read_not_acked_when_killed": pending_at_kill, "all_written_after_restart": written,
            "pending_after": _pending(), **{k: v for k, v in audit.items() if k != "last_written_at"}}


def run(options: argparse.Namespace) -> dict:
    if options.backend == "postgresql":
        os.environ.setdefault("DATABASE_URL", f"{PG_SERVER_URL}/postgres")
    else:
        os.environ.pop("DATABASE_URL", None)
    if options.redis:
        os.environ.update(REDIS_URL=REDIS_URL, FLASH_REDIS_PREFIX=f"bench{os.getpid()}")
    else:
        os.environ.pop("REDIS_URL", None)
    with throwaway_database("flash") as db_env:
        os.environ.update(db_env)
        from bench._django import setup

        setup()
        from django.db import connection

        world = _seed(buyers=options.buyers)
        sale_id, listing_id = _sale(world, units=options.units)
        vendor = connection.vendor
        connection.close()
        env = {**os.environ, **db_env, "LOG_LEVEL": "WARNING", "DEBUG": "0",
               "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        if options.threads:
            env["WEB_THREADS"] = str(options.threads)
        worker = _worker(env) if options.redis else None
        crash = None
        try:
            with running_server(env, workers=options.workers) as port:
                drill = _drill(port, sale_id, world["buyers"], clients=options.clients)
                written = _wait_written(sale_id, drill["admitted"], worker=worker)
                audit = _audit(sale_id, listing_id, drill["admitted_users"], units=options.units)
                if options.crash and options.redis and worker is not None:
                    _stop(worker)
                    worker = None
                    crash = _crash_drill(port, env, world, units=options.units, clients=options.clients)
        finally:
            if worker is not None:
                _stop(worker)
            if options.redis:
                from linkmall.campaigns.services import flash_redis

                r = flash_redis.client()
                keys = list(r.scan_iter(match=f"{os.environ['FLASH_REDIS_PREFIX']}:*", count=1000))
                if keys:
                    r.delete(*keys)
    last = audit.pop("last_written_at")
    lag = round(max(0.0, last - drill["last_admitted_at"]), 3) if last and drill["admitted"] else None
    drill.pop("admitted_users")
    drill.pop("last_admitted_at")
    out = {"database": vendor, "redis": options.redis, "buyers": options.buyers, "units": options.units,
           "per_user_limit": 1, "clients": options.clients, "workers": options.workers,
           "threads": int(env.get("WEB_THREADS", "4")), **drill, "all_written": written,
           "last_order_after_last_admission_s": lag, **audit}
    if crash is not None:
        out["crash"] = crash
    return out


def failures(out: dict) -> list[str]:
    wrong = []
    if out["admitted"] != out["units"] or out["oversold"] or out["admitted_without_order"] or \
            out["buyers_with_two_orders"] or out["orders_of_buyers_not_admitted"] or not out["all_written"]:
        wrong.append("drill")
    crash = out.get("crash")
    if crash and (crash["admitted"] != out["units"] or crash["oversold"] or crash["admitted_without_order"]
                  or crash["buyers_with_two_orders"] or crash["orders_of_buyers_not_admitted"]
                  or not crash["all_written_after_restart"] or crash["pending_after"]):
        wrong.append("crash drill")
    return wrong


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.flash")
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--redis", action="store_true", help="the Redis path (REDIS_URL and the flash worker)")
    parser.add_argument("--crash", action="store_true", help="then the crash drill (with --redis)")
    parser.add_argument("--quick", action="store_true", help="400 buyers for 100 units")
    parser.add_argument("--buyers", type=int, default=2_000, help="distinct logged-in buyers, one attempt each")
    parser.add_argument("--units", type=int, default=500, help="units of the sale")
    parser.add_argument("--clients", type=int, default=64, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=0, help="gunicorn threads per worker (default: its config)")
    options = parser.parse_args(argv)
    if options.quick:
        options.buyers, options.units = 400, 100
    out = run(options)
    wrong = failures(out)
    print(json.dumps(out))
    if wrong:
        sys.stderr.write(f"flash drill FAILED ({', '.join(wrong)}): {json.dumps(out)}\n")
        raise SystemExit(1)


if __name__ == "__main__":
    main()


#: the issue's targets for the drill
TARGETS = {"redis_attempts_per_s": 2000, "redis_p99_ms": 100, "pg_attempts_per_s": 1000, "written_within_s": 5}


def _label(run: dict) -> str:
    return f"{run['database']}{' + Redis' if run['redis'] else ' only'}"


def flash_markdown(results: dict) -> list[str]:
    """The drill's table for `python -m bench`'s report."""
    runs = [(backend, run) for backend, data in results["backends"].items() for run in data.get("flash", [])]
    if not runs:
        return []  # --no-flash
    out = ["", "## Flash sale drill (HTTP, gunicorn; one attempt per buyer, limit 1)", "",
           "| path | buyers / units / clients | attempts/s | admitted | refused | p50 ms | p99 ms "
           "| last order after last admission | oversold |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for _backend, run in runs:
        out.append(f"| {_label(run)} | {run['buyers']:,} / {run['units']} / {run['clients']} | "
                   f"{run['attempts_per_s']} | {run['admitted']} | {run['refused']} | {run['p50_ms']} | "
                   f"{run['p99_ms']} | {run['last_order_after_last_admission_s']} s | {run['oversold']} |")
    for _backend, run in runs:
        crash = run.get("crash")
        if crash:
            out.append("")
            out.append(f"Crash drill ({_label(run)}): {crash['admitted']} admitted with no worker running; the worker "
                       f"was killed with SIGKILL after {crash['written_when_killed']} orders, with "
                       f"{crash['read_not_acked_when_killed']} entries read and not acknowledged; after the restart "
                       f"{crash['buyers_with_orders']} buyers have orders, {crash['admitted_without_order']} admitted "
                       f"without one, {crash['buyers_with_two_orders']} with two, oversold {crash['oversold']}.")
    return out


def flash_verdicts(results: dict) -> list[str]:
    lines = []
    for _backend, data in results["backends"].items():
        for run in data.get("flash", []):
            label = _label(run)
            checks = []
            if run["redis"]:
                checks.append((f"{run['attempts_per_s']} attempts/s ≥ {TARGETS['redis_attempts_per_s']}",
                               run["attempts_per_s"] >= TARGETS["redis_attempts_per_s"]))
                checks.append((f"p99 {run['p99_ms']} ms ≤ {TARGETS['redis_p99_ms']}",
                               run["p99_ms"] <= TARGETS["redis_p99_ms"]))
            elif run["database"] == "postgresql":
                checks.append((f"{run['attempts_per_s']} attempts/s ≥ {TARGETS['pg_attempts_per_s']}",
                               run["attempts_per_s"] >= TARGETS["pg_attempts_per_s"]))
            lag = run["last_order_after_last_admission_s"]
            checks.append((f"orders written {lag} s after the last admission ≤ {TARGETS['written_within_s']}",
                           lag is not None and lag <= TARGETS["written_within_s"]))
            checks.append((f"oversold {run['oversold']} = 0", run["oversold"] == 0 and not failures(run)))
            lines += [f"- flash drill, {label}: {text}: {'met' if ok else 'NOT met'}" for text, ok in checks]
    return lines
