"""Child process: customer layering — `layers_recompute` over a big merchant.

    python -m bench.layering [--quick] [--customers N] [--events N]

Full size: 1,000,000 consumers and 20,000,000 card events in the 30-day window the recompute
reads (every event is scanned), 3,000,000 purchases over a year, 300,000 share edges; a tenth
of the consumers has no profile yet, so the run also creates profiles. `--quick`: 100k / 2M.

The data goes into a throwaway database of the configured kind through bulk SQL (numpy
arrays → executemany on SQLite, COPY on PostgreSQL), events in time order as ingest writes
them; the event table's secondary indexes are dropped for the load and rebuilt afterwards
(timed apart). Then the production path, `layers_recompute`, runs twice: the first run places
everyone (every customer is a mover), the second is the steady state. Prints one JSON line.
"""

import argparse
import json
import time
from datetime import UTC, datetime

import numpy as np

from bench._django import setup

FULL = {"customers": 1_000_000, "events": 20_000_000}
QUICK = {"customers": 100_000, "events": 2_000_000}
KINDS = np.array(["card_view", "section_view", "product_view", "dwell", "share", "forward", "book", "ask"])
KIND_P = [0.2, 0.12, 0.45, 0.16, 0.03, 0.02, 0.01, 0.01]
CHUNK = 500_000
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _times(seconds_before_now: np.ndarray, vendor: str) -> list[str]:
    base = np.datetime64(NOW.replace(tzinfo=None).isoformat(), "s")
    text = np.datetime_as_string(base - seconds_before_now.astype("timedelta64[s]"), unit="s")
    text = np.char.replace(text, "T", " ")
    if vendor == "postgresql":
        text = np.char.add(text, "+00:00")
    return text.tolist()


def _insert(table: str, columns: list[str], rows) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef NOT LIKE "
                           "'%%UNIQUE%%'", [table])
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                           "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'", [table])
        return cursor.fetchall()


def load(customers: int, events: int, seed: int = 11) -> dict:
    from django.db import connection, transaction

    from linkmall import testing as t
    from linkmall.accounts.models import User
    from linkmall.customers.models import Event, Profile, Purchase, ShareEdge, Visitor

    rng = np.random.default_rng(seed)
    vendor = connection.vendor
    merchant = t.make_merchant()
    timings = {}
    began = time.perf_counter()
    # ids far above anything the throwaway database holds, so no MAX(id) round trip is needed
    user_base, visitor_base = 1_000_000_000, 1_000_000_000
    user_ids = user_base + np.arange(customers, dtype=np.int64)
    visitor_ids = visitor_base + np.arange(customers, dtype=np.int64)
    joined = _times(rng.integers(30 * 86400, 400 * 86400, customers), vendor)
    with transaction.atomic():
        _insert(User._meta.db_table, ["id", "password", "is_superuser", "username", "display_name", "role",
                                      "is_active", "is_staff", "date_joined", "failed_login_count"],
                [(int(u), "!", False, f"lb{u}", f"顾客{u - user_base}", "consumer", True, False, joined[i], 0)
                 for i, u in enumerate(user_ids.tolist())])
        _insert(Visitor._meta.db_table, ["id", "key", "user_id", "consented_at", "first_seen_at", "last_seen_at"],
                [(int(v), f"lb{v}", int(u), joined[i], joined[i], joined[i])
                 for i, (v, u) in enumerate(zip(visitor_ids.tolist(), user_ids.tolist(), strict=True))])
    timings["users_visitors_s"] = round(time.perf_counter() - began, 1)

    # events: heavy-tailed activity per customer, uniform in the 30-day window, stored in time order
    began = time.perf_counter()
    activity = rng.lognormal(0.0, 1.0, customers)
    who = rng.choice(customers, size=events, p=activity / activity.sum())
    ago = np.sort(rng.integers(60, 30 * 86400 - 60, events))[::-1]  # oldest first
    kind = rng.choice(len(KINDS), size=events, p=KIND_P)
    dwell = np.where(KINDS[kind] == "dwell", rng.lognormal(np.log(40_000), 0.8, events).astype(np.int64), 0)
    # visit numbers: every ~3 events of a customer make a visit
    order = np.lexsort((-ago, who))
    rank_in_customer = np.empty(events, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(who[order])) + 1]
    counts = np.diff(np.r_[starts, events])
    rank_in_customer[order] = np.arange(events) - np.repeat(starts, counts)
    visit = rank_in_customer // 3 + 1
    timings["generate_events_s"] = round(time.perf_counter() - began, 1)

    began = time.perf_counter()
    indexes = _secondary_indexes(Event._meta.db_table)
    with connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        if vendor == "sqlite":
            cursor.execute("PRAGMA cache_size = -1048576")
    event_columns = ["id", "dedupe_key", "kind", "visitor_id", "user_id", "merchant_id", "section", "dwell_ms",
                     "visit_number", "occurred_at", "received_at"]
    kinds = KINDS[kind]
    for lo in range(0, events, CHUNK):
        hi = min(lo + CHUNK, events)
        at = _times(ago[lo:hi], vendor)
        ids = range(lo + 1, hi + 1)
        with transaction.atomic():
            _insert(Event._meta.db_table, event_columns, zip(
                ids, [f"lb{i}" for i in ids], kinds[lo:hi].tolist(), (visitor_base + who[lo:hi]).tolist(),
                (user_base + who[lo:hi]).tolist(), [merchant.pk] * (hi - lo), [""] * (hi - lo),
                dwell[lo:hi].tolist(), visit[lo:hi].tolist(), at, at, strict=True))
    timings["insert_events_s"] = round(time.perf_counter() - began, 1)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for _, sql in indexes:
            cursor.execute(sql)
    timings["index_events_s"] = round(time.perf_counter() - began, 1)

    began = time.perf_counter()
    n_purchases, n_edges = 3 * customers, 3 * customers // 10
    buyer = rng.choice(customers, size=n_purchases, p=activity / activity.sum())
    amount = np.round(rng.lognormal(np.log(15_000), 0.8, n_purchases)).astype(np.int64) + 100
    refunded = np.where(rng.random(n_purchases) < 0.05, amount, 0)
    bought_at = _times(rng.integers(60, 365 * 86400, n_purchases), vendor)
    sharer = rng.choice(customers, size=n_edges, p=activity / activity.sum())
    recipient = rng.integers(0, customers, n_edges)
    keep = sharer != recipient
    pairs = np.unique(np.column_stack([sharer[keep], recipient[keep]]), axis=0)
    with transaction.atomic():
        _insert(Purchase._meta.db_table, ["merchant_id", "user_id", "source", "reference", "amount_fen",
                                          "refunded_fen", "occurred_at", "product_ids"],
                [(merchant.pk, int(user_base + b), "import", f"lb{i}", int(a), int(r), bought_at[i], "[]")
                 for i, (b, a, r) in enumerate(zip(buyer.tolist(), amount.tolist(), refunded.tolist(), strict=True))])
        _insert(ShareEdge._meta.db_table, ["merchant_id", "sharer_id", "recipient_id", "first_at", "opens"],
                [(merchant.pk, int(visitor_base + s), int(visitor_base + r), joined[0], 1) for s, r in pairs.tolist()])
        with_profile = user_ids[rng.random(customers) < 0.9]
        _insert(Profile._meta.db_table, ["merchant_id", "user_id", "name", "first_seen_at", "interests",
                                         "intent_grade", "layer", "scores"],
                [(merchant.pk, int(u), f"顾客{u - user_base}", joined[0], "{}", "", "", "{}")
                 for u in with_profile.tolist()])
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    timings["purchases_shares_profiles_s"] = round(time.perf_counter() - began, 1)
    return {"merchant_id": merchant.pk, "customers": customers, "events": events, "purchases": n_purchases,
            "share_edges": len(pairs), "profiles_before": len(with_profile), "load": timings,
            "load_s": round(sum(timings.values()), 1)}


def recompute(merchant_id: int) -> dict:
    from linkmall.core import clock
    from linkmall.customers.models import LayerChange, Profile
    from linkmall.customers.scoring import layers_recompute

    clock.freeze(NOW)
    out: dict[str, object] = {}
    for label in ("first", "second"):
        marks: dict[int, float] = {}
        began = time.perf_counter()
        run = layers_recompute(merchant_id=merchant_id,
                               progress=lambda p, m=marks, b=began: m.setdefault(p, round(time.perf_counter() - b, 1)))
        out[f"{label}_s"] = round(time.perf_counter() - began, 1)
        out[f"{label}_counts"] = run.counts
        out[f"{label}_progress_s"] = {str(k): v for k, v in sorted(marks.items()) if k in (40, 50, 60, 70, 100)}
        out[f"{label}_changes"] = LayerChange.objects.filter(run=run).count()
    out["profiles_after"] = Profile.objects.filter(merchant_id=merchant_id).count()
    clock.reset()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.layering")
    parser.add_argument("--quick", action="store_true", help="100,000 customers and 2,000,000 events")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--events", type=int)
    options = parser.parse_args(argv)
    sizes = dict(QUICK if options.quick else FULL)
    sizes.update({k: v for k, v in (("customers", options.customers), ("events", options.events)) if v})
    setup()
    from django.db import connection

    from linkmall.scenarios.management.commands.scenario import throwaway_database

    with throwaway_database():
        loaded = load(sizes["customers"], sizes["events"])
        result = recompute(loaded["merchant_id"])
        out = {"bench": "layering", "database": connection.vendor, **loaded, "recompute": result,
               "recompute_s": result["first_s"], "target_s": 60}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
