"""Radar latency from event to screen: a beacon POST to /api/v1/customers/events until the guide's
open SSE stream (/guide/radar/stream) delivers its line.

    python -m bench.radar [--quick] [--events N]

A real gunicorn (config/gunicorn.conf.py, gthread) serves a throwaway database: SQLite in a temp
directory, or, when DATABASE_URL is set, a database `bench_radar` created on that PostgreSQL
server and dropped afterwards. Events are sent one at a time, each after the previous one was
received, at a random moment of the poll cycle, so every latency is one event's own. The stream polls every RADAR_POLL_SECONDS (1 s),
so the expected latency is about half of that plus the request time. Prints one JSON line.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.server import running_server

PG_DATABASE = "bench_radar"


def _pg(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)


def _environment(var: Path) -> tuple[dict[str, str], str | None]:
    env = {k: v for k, v in os.environ.items() if k not in ("SQLITE_PATH", "MEDIA_ROOT")}
    env.update(LINKMALL_VAR_DIR=str(var), DEBUG="0", LOG_LEVEL="WARNING", WEB_THREADS="4")
    admin_url = None
    if os.environ.get("DATABASE_URL"):
        parts = urlsplit(os.environ["DATABASE_URL"])
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        _pg(admin_url, f'DROP DATABASE IF EXISTS "{PG_DATABASE}"')
        _pg(admin_url, f'CREATE DATABASE "{PG_DATABASE}"')
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{PG_DATABASE}"))
    return env, admin_url


def _prepare(env: dict[str, str]) -> dict:
    """Migrate and make one guide, their session cookie and a consenting visitor (in this process)."""
    os.environ.update(env)
    from bench._django import setup

    setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from linkmall import testing
    from linkmall.core import clock
    from linkmall.customers.models import Visitor

    call_command("migrate", verbosity=0, interactive=False)
    merchant = testing.make_merchant("雷达基准商家")
    store = testing.make_store(merchant)
    guide = testing.make_guide(store)
    visitor = Visitor.objects.create(key=uuid.uuid4().hex, consented_at=clock.now())
    client = Client()
    client.force_login(guide.user)
    return {"merchant": merchant.pk, "store": store.pk, "guide": guide.pk, "visitor": visitor.key,
            "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
            "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]}


class Stream(threading.Thread):
    """Reads the SSE stream, reconnecting with Last-Event-ID as a browser does; notes each frame's
    arrival time."""

    def __init__(self, port: int, cookie: str):
        super().__init__(daemon=True)
        self.port, self.cookie = port, cookie
        self.frames: list[tuple[float, dict]] = []
        self.arrived = threading.Condition()
        self.last_id = ""
        self.connections = 0
        self.stop = False

    def run(self):
        while not self.stop:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            # Connection: close, so the end of a stream is the end of the socket and not a 5 s keep-alive
            headers = {"Cookie": self.cookie, "Accept": "text/event-stream", "Connection": "close"}
            if self.last_id:
                headers["Last-Event-ID"] = self.last_id
            connection.request("GET", "/guide/radar/stream", headers=headers)
            response = connection.getresponse()
            self.connections += 1
            data = None
            while True:
                line = response.readline()  # de-chunked by http.client
                if not line:
                    break
                line = line.decode().rstrip("\r\n")
                if line.startswith("id: "):
                    self.last_id = line[4:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                elif line == "" and data is not None:
                    with self.arrived:
                        self.frames.append((time.perf_counter(), data))
                        self.arrived.notify_all()
                    data = None
            connection.close()

    def wait_for(self, count: int, timeout: float) -> float | None:
        with self.arrived:
            if self.arrived.wait_for(lambda: len(self.frames) >= count, timeout=timeout):
                return self.frames[count - 1][0]
        return None


def _post_event(port: int, world: dict, n: int) -> None:
    body = json.dumps({"visitor": world["visitor"], "events": [{
        "id": f"bench-{n:06d}-{uuid.uuid4().hex[:8]}", "kind": "section_view", "merchant": world["merchant"],
        "store": world["store"], "guide": world["guide"], "section": f"s{n}"}]})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/api/v1/customers/events", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    answer = response.read()
    if response.status != 200:
        raise RuntimeError(f"ingest answered {response.status}: {answer[:200]!r}")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 events instead of 100")
    parser.add_argument("--events", type=int, default=None)
    options = parser.parse_args(argv)
    count = options.events or (20 if options.quick else 100)
    with tempfile.TemporaryDirectory(prefix="bench-radar-") as var:
        env, admin_url = _environment(Path(var))
        try:
            world = _prepare(env)
            with running_server(env, workers=1) as port:
                stream = Stream(port, world["cookie"])
                stream.start()
                deadline = time.monotonic() + 10
                while stream.connections == 0 and time.monotonic() < deadline:
                    time.sleep(0.05)
                time.sleep(0.5)  # the stream's first poll has passed: it starts after the newest event
                latencies, lost = [], 0
                rng = random.Random(7)
                for n in range(1, count + 1):
                    # events come at random moments of the stream's poll cycle, as real ones do
                    time.sleep(rng.uniform(0, 1.0))
                    sent = time.perf_counter()
                    _post_event(port, world, n)
                    arrived = stream.wait_for(n - lost, timeout=10)
                    if arrived is None:
                        lost += 1
                        continue
                    latencies.append((arrived - sent) * 1000)
                stream.stop = True
        finally:
            if admin_url:
                _pg(admin_url, f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    result = {
        "bench": "radar", "database": world["database"], "events": count, "received": len(latencies), "lost": lost,
        "latency_ms": {"p50": round(statistics.median(latencies), 1), "p99": round(_percentile(latencies, 0.99), 1),
                       "max": round(max(latencies), 1), "mean": round(statistics.fmean(latencies), 1)},
        "stream_connections": stream.connections, "poll_seconds": 1.0, "gunicorn": "1 worker, gthread, 4 threads",
    }
    print(json.dumps(result, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
