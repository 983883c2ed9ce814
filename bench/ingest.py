"""Event ingest through the real API: POST /api/v1/customers/events to a gunicorn on loopback.

    python -m bench.ingest [--quick] [--concurrency N] [--seconds S]

A throwaway database of the configured kind (SQLite file, or a PostgreSQL database of its own
when DATABASE_URL is set) is migrated and seeded with one merchant, store, guide and product and
consented visitors; gunicorn serves it; client threads, each on a keep-alive connection and
cycling through its own visitors, post batches of 1 and of 50 events (the beacon's batch size)
with fresh client ids. Bounded by requests and by seconds. Every accepted event is checked to be
in the database afterwards. Prints one JSON line: events/s, requests/s, p50/p99 per batch size.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time
import uuid

from bench.server import ROOT, running_server, throwaway_database

VISITORS_PER_THREAD = 20


def _seed(threads: int) -> dict:
    from django.core.management import call_command

    from linkmall import testing as t
    from linkmall.core import clock
    from linkmall.customers.models import Visitor
    from linkmall.customers.tracking import _new_key

    call_command("migrate", verbosity=0, interactive=False)
    merchant = t.make_merchant()
    store = t.make_store(merchant)
    guide = t.make_guide(store)
    product = t.make_product(t.make_supplier())
    t.make_listing(merchant, product.skus.get())
    keys = [[_new_key() for _ in range(VISITORS_PER_THREAD)] for _ in range(threads)]
    Visitor.objects.bulk_create([Visitor(key=k, consented_at=clock.now()) for per in keys for k in per])
    return {"merchant": merchant.pk, "store": store.pk, "guide": guide.pk, "product": product.pk, "keys": keys}


def _batch(world: dict, size: int) -> bytes:
    kinds = ("product_view", "dwell", "section_view")
    events = [{"id": uuid.uuid4().hex, "kind": kinds[i % 3], "merchant": world["merchant"], "store": world["store"],
               "guide": world["guide"], "product": world["product"], "section": "products" if i % 3 == 2 else "",
               "dwell_ms": 1500 if i % 3 == 1 else 0} for i in range(size)]
    return json.dumps({"events": events}).encode()


def _load(port: int, world: dict, *, size: int, threads: int, max_requests: int, max_seconds: float) -> dict:
    latencies: list[list[float]] = [[] for _ in range(threads)]
    accepted = [0] * threads
    errors = [0] * threads
    remaining = [max_requests]
    lock = threading.Lock()
    deadline = time.perf_counter() + max_seconds

    def take() -> bool:
        with lock:
            remaining[0] -= 1
            return remaining[0] >= 0

    def worker(k: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = 0
        while time.perf_counter() < deadline and take():
            body = _batch(world, size)  # built before the clock starts: the client's cost is not the server's
            key = world["keys"][k][n % VISITORS_PER_THREAD]
            n += 1
            started = time.perf_counter()
            try:
                connection.request("POST", "/api/v1/customers/events", body=body,
                                   headers={"Content-Type": "text/plain;charset=UTF-8", "Cookie": f"lm_vid={key}"})
                response = connection.getresponse()
                answer = response.read()
                if response.status == 200:
                    accepted[k] += json.loads(answer)["accepted"]
                else:
                    errors[k] += 1
            except (OSError, http.client.HTTPException):
                errors[k] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            latencies[k].append(time.perf_counter() - started)
        connection.close()

    began = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - began
    merged = sorted(x for per in latencies for x in per)

    def pct(fraction: float) -> float:
        return round(merged[min(len(merged) - 1, round(fraction * (len(merged) - 1)))] * 1000, 2) if merged else 0.0

    return {"batch": size, "requests": len(merged), "errors": sum(errors), "events": sum(accepted),
            "seconds": round(elapsed, 2), "requests_per_s": round(len(merged) / elapsed, 1),
            "events_per_s": round(sum(accepted) / elapsed, 1), "p50_ms": pct(0.5), "p99_ms": pct(0.99)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest")
    parser.add_argument("--quick", action="store_true", help="a few seconds per batch size")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=float, default=None)
    options = parser.parse_args(argv)
    seconds = options.seconds or (3.0 if options.quick else 15.0)
    max_requests = 2_000 if options.quick else 50_000
    with throwaway_database("ingest") as db_env:
        os.environ.update(db_env)
        from bench._django import setup

        setup()
        from django.db import connection

        world = _seed(options.concurrency)
        vendor = connection.vendor
        connection.close()
        env = {**os.environ, **db_env, "LOG_LEVEL": "WARNING", "DEBUG": "0", "WEB_THREADS": "4",
               "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        runs = []
        with running_server(env, workers=options.workers) as port:
            for size in (1, 50):
                runs.append(_load(port, world, size=size, threads=options.concurrency, max_requests=max_requests,
                                  max_seconds=seconds))
        from linkmall.customers.models import Event

        stored = Event.objects.count()
        connection.close()
    out = {"database": vendor, "concurrency": options.concurrency, "workers": options.workers, "runs": runs,
           "events_stored": stored, "all_accepted_stored": stored == sum(r["events"] for r in runs),
           "python": sys.version.split()[0]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
