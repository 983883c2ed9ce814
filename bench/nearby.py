"""Child process: 附近门店与优惠 — "stores and offers near me" over a city of 10,000 stores and 50,000
live offers (docs/o2o.md "Nearby offers (LBS)").

    python -m bench.nearby [--quick] [--points 2000] [--stores 10000] [--offers 50000]

Runs on a throwaway database of the configured kind (SQLite, or PostgreSQL with DATABASE_URL),
built with bulk_create: `--stores` open stores of `--stores / 4` merchants spread uniformly over a
city-sized box (34 km × 32 km around Hangzhou's centre, GCJ-02), and `--offers` live offers — per
merchant four fifths coupon templates (one of them geofenced at one of its stores, 1 km; one an
in-store coupon) and one fifth store promotions. Then `--points` random points over the same box
ask for the 10 nearest stores within 5 km with their offers: through the selector
(`campaigns.selectors.nearby.nearby_offers`) and through the API (`GET /api/v1/nearby`, the Django
test client, the whole stack without a network), each point once after a warm-up. Prints one JSON
line: p50/p95/p99 milliseconds of each, queries per call, and whether p99 ≤ 50 ms (the target).
"""

import argparse
import json
import os
import random
import statistics
import time
from datetime import timedelta
from decimal import Decimal

from bench._django import setup

TARGET_P99_MS = 50.0
#: the city: Hangzhou's centre, ±0.15° of latitude (±16.7 km) and ±0.16° of longitude (±15.4 km)
CENTRE = (30.25, 120.16)
SPAN = (0.15, 0.16)
STORES_PER_MERCHANT = 4


def _point(rng: random.Random) -> tuple[float, float]:
    return (CENTRE[0] + rng.uniform(-SPAN[0], SPAN[0]), CENTRE[1] + rng.uniform(-SPAN[1], SPAN[1]))


def build(*, stores: int, offers: int, seed: int = 7) -> dict:
    from linkmall.accounts.models import Tenant
    from linkmall.campaigns.models import CouponTemplate, Promotion
    from linkmall.core import clock
    from linkmall.stores.models import Merchant, Store

    rng = random.Random(seed)
    started = time.perf_counter()
    now = clock.now()
    merchants_n = max(1, stores // STORES_PER_MERCHANT)
    tenants = Tenant.objects.bulk_create(
        [Tenant(kind="merchant", name=f"基准商家{n}", created_at=now) for n in range(merchants_n)], batch_size=2000)
    if any(t.pk is None for t in tenants):  # SQLite before 3.35 gives no ids back
        tenants = list(Tenant.objects.filter(kind="merchant").order_by("pk"))
    Merchant.objects.bulk_create([Merchant(tenant=t, name=t.name, created_at=now) for t in tenants], batch_size=2000)
    merchant_ids = [t.pk for t in tenants]
    rows = []
    for n in range(stores):
        lat, lng = _point(rng)
        rows.append(Store(merchant_id=merchant_ids[n % merchants_n], name=f"门店{n}", city="杭州", address="-",
                          latitude=Decimal(f"{lat:.6f}"), longitude=Decimal(f"{lng:.6f}"),
                          opening_hours="10:00-22:00"))
    Store.objects.bulk_create(rows, batch_size=2000)
    first_store: dict[int, int] = {}
    for pk, merchant_id in Store.objects.order_by("pk").values_list("pk", "merchant_id"):
        first_store.setdefault(merchant_id, pk)
    per_merchant = max(1, offers // merchants_n)
    promotions_each = max(1, per_merchant // 5)
    templates_each = per_merchant - promotions_each
    templates, promotions = [], []
    for merchant_id in merchant_ids:
        for k in range(templates_each):
            fenced = k == 0
            templates.append(CouponTemplate(
                merchant_id=merchant_id, name=f"券{k}", kind="amount", value=Decimal(100 * (k + 1)),
                threshold_fen=1000 * k, valid_days=7, total=1000, issued=rng.randrange(0, 999),
                per_user_limit=1, sources=["claim"], status="active", in_store=k == 1,
                geofence_store_id=first_store[merchant_id] if fenced else None,
                geofence_radius_m=1000 if fenced else None, created_at=now, updated_at=now))
        for k in range(promotions_each):
            promotions.append(Promotion(
                merchant_id=merchant_id, name=f"满减{k}", kind="amount", value=Decimal(1000),
                threshold_fen=10000 * (k + 1), status="active", starts_at=now - timedelta(days=1),
                created_at=now, updated_at=now))
    CouponTemplate.objects.bulk_create(templates, batch_size=2000)
    Promotion.objects.bulk_create(promotions, batch_size=2000)
    return {"merchants": merchants_n, "stores": Store.objects.count(),
            "coupon_templates": CouponTemplate.objects.count(), "promotions": Promotion.objects.count(),
            "live_offers": len(templates) + len(promotions),
            "build_s": round(time.perf_counter() - started, 1)}


def _percentiles(times: list[float]) -> dict:
    ordered = sorted(times)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"n": len(times), "p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99),
            "max_ms": round(ordered[-1], 2), "mean_ms": round(statistics.fmean(times), 2),
            "target_p99_ms": TARGET_P99_MS, "met": at(0.99) <= TARGET_P99_MS}


def measure(points: list[tuple[float, float]], call) -> tuple[dict, dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for lat, lng in points[:50]:  # warm-up: connections, caches, the planner
        call(lat, lng)
    times, cpu, queries, stores_found = [], [], [], []
    for lat, lng in points[:200]:  # the query count, on a sample (capturing costs time of its own)
        with CaptureQueriesContext(connection) as captured:
            stores_found.append(call(lat, lng))
        queries.append(len(captured))
    for lat, lng in points:
        start, start_cpu = time.perf_counter(), time.process_time()
        call(lat, lng)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    ordered_cpu = sorted(cpu)
    # this process's CPU per call: what the call costs here whatever else runs on the machine (on
    # PostgreSQL the server's share is not in it)
    return _percentiles(times), {"queries_max": max(queries), "queries_median": statistics.median(queries),
                                 "stores_median": statistics.median(stores_found),
                                 "cpu_p50_ms": round(ordered_cpu[len(cpu) // 2], 2),
                                 "cpu_p99_ms": round(ordered_cpu[min(len(cpu) - 1, int(0.99 * len(cpu)))], 2),
                                 "load_average": [round(x, 2) for x in os.getloadavg()]}


def nearby_markdown(results: dict) -> list[str]:
    """The table for `python -m bench`'s report."""
    runs = [(backend, data["nearby"]) for backend, data in results["backends"].items() if data.get("nearby")]
    if not runs:
        return []  # --no-nearby
    out = ["", "## Nearby offers: 10 stores within 5 km with their offers (附近门店与优惠)", "",
           "| database | stores / live offers | path | points | queries (max) | p50 ms | p95 ms | p99 ms "
           "| CPU p50 / p99 ms | load |", "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for backend, run in runs:
        built = run["built"]
        for path in ("selector", "api"):
            m = run[path]
            shape = run[path + "_shape"]
            out.append(f"| {backend} | {built['stores']:,} / {built['live_offers']:,} | {path} | {m['n']:,} | "
                       f"{shape['queries_max']} | {m['p50_ms']} | {m['p95_ms']} | {m['p99_ms']} | "
                       f"{shape['cpu_p50_ms']} / {shape['cpu_p99_ms']} | {shape['load_average'][0]} |")
    return out


def nearby_verdicts(results: dict) -> list[str]:
    lines = []
    for backend, data in results["backends"].items():
        run = data.get("nearby")
        if not run:
            continue
        for path in ("selector", "api"):
            m = run[path]
            lines.append(f"- {backend}: nearby offers ({path}) p99 {m['p99_ms']} ms with "
                         f"{run['built']['stores']:,} stores / {run['built']['live_offers']:,} offers — target "
                         f"≤ {TARGET_P99_MS:g} ms: {'met' if m['met'] else 'NOT met'}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.nearby")
    parser.add_argument("--quick", action="store_true", help="a tenth of the size, 300 points")
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--offers", type=int, default=50_000)
    options = parser.parse_args(argv)
    if options.quick:
        options.points, options.stores, options.offers = 300, 1000, 5000
    setup()
    from django.db import connection
    from django.test import Client

    from linkmall.campaigns.selectors.nearby import nearby_offers
    from linkmall.scenarios.management.commands.scenario import throwaway_database

    out: dict = {"database": None, "quick": options.quick}
    with throwaway_database():
        out["database"] = connection.vendor
        out["built"] = build(stores=options.stores, offers=options.offers)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        rng = random.Random(11)
        points = [_point(rng) for _ in range(options.points)]

        def selector(lat: float, lng: float) -> int:
            return len(nearby_offers(latitude=lat, longitude=lng, radius_m=5000, limit=10))

        client = Client()

        def api(lat: float, lng: float) -> int:
            query: dict[str, str | int] = {"lat": f"{lat:.6f}", "lng": f"{lng:.6f}", "radius_m": 5000, "limit": 10}
            response = client.get("/api/v1/nearby", query)
            assert response.status_code == 200, response.content[:200]
            return len(response.json())

        out["selector"], out["selector_shape"] = measure(points, selector)
        out["api"], out["api_shape"] = measure(points, api)
        out["offers_per_answer"] = sum(
            len(n.coupons) + len(n.promotions) for n in nearby_offers(latitude=CENTRE[0], longitude=CENTRE[1]))
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
