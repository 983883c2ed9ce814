"""`python -m bench` (or `make bench`): measure LinkMall on SQLite and PostgreSQL.

Prints a markdown table and writes bench/results/latest.json. The card and customer parts
(bench/ingest.py, radar.py, cards.py, layering.py) each run on a throwaway database of their own. Every database is made fresh:
SQLite under var/bench/, PostgreSQL as the dedicated database `linkmall_bench` (dropped and
created again; no other database is touched).
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.report import markdown
from bench.server import running_server

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
PG_SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
PG_DATABASE = "linkmall_bench"


def child(args: list[str], env: dict[str, str], *, timeout: float = 900) -> dict:
    """Run `python -m …` in a child process and parse the last line it prints as JSON."""
    done = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise RuntimeError(f"{' '.join(args)} failed with status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def sqlite_env() -> dict[str, str]:
    var = ROOT / "var" / "bench"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH", "MEDIA_ROOT")}
    env.update(LINKMALL_VAR_DIR=str(var), DEBUG="0", LOG_LEVEL="WARNING")
    return env


def postgres_env() -> dict[str, str] | None:
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(f"{PG_SERVER_URL}/postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL at {PG_SERVER_URL} is not reachable ({exc}); skipping it.", file=sys.stderr)
        return None
    var = ROOT / "var" / "bench-pg"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("SQLITE_PATH", "MEDIA_ROOT")}
    env.update(DATABASE_URL=f"{PG_SERVER_URL}/{PG_DATABASE}", LINKMALL_VAR_DIR=str(var), DEBUG="0",
               LOG_LEVEL="WARNING")
    return env


def throughput(env: dict[str, str], *, lines: int, orders: int, workers: int, coupon: bool = False) -> dict:
    """`workers` processes place and pay `orders` orders each, all starting at the same moment; with
    `coupon`, each order with a coupon and points (claimed before the start)."""
    # time for every child to set Django up and warm up (and claim its coupons)
    start_at = time.time() + (3.0 + orders * 0.05 if coupon else 3.0)
    processes = [
        subprocess.Popen([sys.executable, "-m", "bench.checkout", "throughput", str(lines), str(orders), str(k),
                          str(workers), str(start_at), "coupon" if coupon else "plain"], env=env, cwd=ROOT,
                         stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for k in range(workers)
    ]
    outputs = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=900)
        if process.returncode != 0:
            sys.stderr.write(stderr[-4000:])
            raise RuntimeError("a throughput worker failed")
        outputs.append(json.loads(stdout.strip().splitlines()[-1]))
    began = min(o["started"] for o in outputs)
    ended = max(o["finished"] for o in outputs)
    total = sum(o["orders"] for o in outputs)
    return {"lines": lines, "workers": workers, "orders": total, "seconds": round(ended - began, 3),
            "orders_per_s": round(total / (ended - began), 1)}


def bench_campaigns(name: str, env: dict[str, str], options) -> dict:
    """Checkout with a coupon, points and a member level (queries at 1, 5, 20 lines; place-and-pay
    with and without a coupon), then — on PostgreSQL — the coupon claim burst through the API."""
    print(f"[{name}] campaigns: a coupon template, points and a member level …", file=sys.stderr)
    out: dict = {"setup": child(["-m", "bench.checkout", "campaigns"], env)}
    out["queries"] = child(["-m", "bench.checkout", "campaign-queries", ",".join(map(str, options.campaign_lines))],
                           env)
    out["throughput"] = []
    for coupon in (False, True):
        for workers in options.workers:
            print(f"[{name}] campaigns: place-and-pay {'with' if coupon else 'without'} a coupon, "
                  f"{workers} process(es) …", file=sys.stderr)
            run = throughput(env, lines=3, orders=options.orders, workers=workers, coupon=coupon)
            out["throughput"].append({**run, "coupon": coupon})
    if name == "postgresql":
        print(f"[{name}] campaigns: coupon claim burst …", file=sys.stderr)
        burst = ["--clients", str(options.burst_clients)] + (["--quick"] if options.quick else [])
        out["burst"] = child(["-m", "bench.coupons", *burst], env)
    return out


def bench_backend(name: str, env: dict[str, str], options) -> dict:
    print(f"[{name}] preparing the database and a demo mall …", file=sys.stderr)
    prepared = child(["-m", "bench.prepare", str(options.consumers)], env)
    child(["-m", "bench.checkout", "stock"], env)
    result: dict = {"prepared": prepared["counts"], "paths": prepared["paths"]}
    print(f"[{name}] counting queries per checkout …", file=sys.stderr)
    result["queries"] = child(["-m", "bench.checkout", "queries", ",".join(map(str, options.lines))], env)
    result["throughput"] = []
    for lines in options.lines:
        for workers in options.workers:
            print(f"[{name}] place-and-pay: {lines} line(s), {workers} process(es) …", file=sys.stderr)
            result["throughput"].append(throughput(env, lines=lines, orders=options.orders, workers=workers))
    if not options.no_campaigns:
        result["campaigns"] = bench_campaigns(name, env, options)
    if not options.no_referral:
        print(f"[{name}] 2+1 engine: queries per paid order, accrual, a generated scenario …", file=sys.stderr)
        result["referral"] = child(["-m", "bench.referral", *(["--full"] if options.full else [])], env,
                                   timeout=12 * 3600 if options.full else 1800)
    if not options.no_customers:
        quick = ["--quick"] if options.quick else []
        result["customers"] = {}
        for part, timeout in (("ingest", 900), ("radar", 900), ("cards", 900), ("layering", 4 * 3600)):
            print(f"[{name}] cards and customers: {part} …", file=sys.stderr)
            result["customers"][part] = child(["-m", f"bench.{part}", *quick], env, timeout=timeout)
    if not options.no_flash:
        result["flash"] = []
        quick = ["--quick"] if options.quick else []
        runs = [["--backend", name]] + ([["--backend", name, "--redis", "--crash"]] if name == "postgresql" else [])
        for run in runs:
            print(f"[{name}] flash-sale drill {' '.join(run[2:]) or '(database path)'} …", file=sys.stderr)
            result["flash"].append(child(["-m", "bench.flash", *run, *quick], env))
    if not options.no_nearby:
        print(f"[{name}] nearby offers: 10,000 stores, 50,000 live offers …", file=sys.stderr)
        result["nearby"] = child(["-m", "bench.nearby", *(["--quick"] if options.quick else [])], env)
    if not options.no_redeem and name == "postgresql":
        print(f"[{name}] redemption at a counter: {options.redeem_clients} staff clients …", file=sys.stderr)
        result["redeem"] = child(["-m", "bench.redeem", "--clients", str(options.redeem_clients),
                                  *(["--quick"] if options.quick else [])], env, timeout=3600)
    result["pages"] = []
    if options.no_http:
        return result
    with running_server(env, workers=options.web_workers) as port:
        for page, path in prepared["paths"].items():
            if not path:
                result["pages"].append({"page": page, "missing": True})
                continue
            headers = {"Cookie": prepared["cookie"]} if page == "checkout_page" else {}
            for concurrency in options.concurrency:
                print(f"[{name}] {page} {path} at concurrency {concurrency} …", file=sys.stderr)
                from bench.loadgen import load

                measured = load(host="127.0.0.1", port=port, path=path, concurrency=concurrency,
                                max_requests=options.requests, max_seconds=options.seconds, headers=headers,
                                tool=options.tool)
                result["pages"].append({"page": page, "path": path, **measured.as_dict()})
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--consumers", type=int, default=120, help="consumers in the bench mall")
    parser.add_argument("--orders", type=int, default=100, help="orders per throughput process")
    parser.add_argument("--lines", type=lambda s: [int(x) for x in s.split(",")], default=[1, 3, 10])
    parser.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4],
                        help="parallel place-and-pay processes")
    parser.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[8, 32])
    parser.add_argument("--seconds", type=float, default=5.0, help="time bound of each page run")
    parser.add_argument("--requests", type=int, default=50_000, help="request bound of each page run (python client)")
    parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2)))
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--no-http", action="store_true", help="skip the page benchmarks")
    parser.add_argument("--quick", action="store_true", help="small and short: for a smoke run")
    parser.add_argument("--no-referral", action="store_true", help="skip the 2+1 engine benchmarks (bench/referral.py)")
    parser.add_argument("--no-customers", action="store_true",
                        help="skip event ingest, radar latency, card/booking and layering (1M customers, 20M events)")
    parser.add_argument("--no-campaigns", action="store_true",
                        help="skip checkout with a coupon, points and a level, and the coupon claim burst")
    parser.add_argument("--no-flash", action="store_true",
                        help="skip the flash-sale drills (bench/flash.py: database path, PostgreSQL + Redis, crash)")
    parser.add_argument("--no-nearby", action="store_true",
                        help="skip the nearby-offers benchmark (bench/nearby.py: 10,000 stores, 50,000 offers)")
    parser.add_argument("--no-redeem", action="store_true",
                        help="skip the redemption drill (bench/redeem.py: staff scanning codes on PostgreSQL)")
    parser.add_argument("--redeem-clients", type=int, default=32, help="staff clients of the redemption drill")
    parser.add_argument("--campaign-lines", type=lambda s: [int(x) for x in s.split(",")], default=[1, 5, 20])
    parser.add_argument("--burst-clients", type=int, default=64, help="HTTP clients of the coupon claim burst")
    parser.add_argument("--full", action="store_true",
                        help="the 2+1 scenario at full size: 100,000 users, 300,000 orders (hours)")
    options = parser.parse_args(argv)
    if options.quick:
        options.orders, options.seconds, options.workers, options.consumers = 30, 2.0, [1, 2], 40

    results: dict = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "options": {k: v for k, v in vars(options).items()},
        "backends": {},
    }
    for backend in options.backends.split(","):
        env = sqlite_env() if backend == "sqlite" else postgres_env() if backend == "postgresql" else None
        if env is None:
            results["backends"][backend] = {"skipped": True}
            continue
        results["backends"][backend] = bench_backend(backend, env, options)

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(markdown(results))
    print(f"\nwritten: {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
