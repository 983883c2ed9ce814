"""Child process: the guide's business card — page cost, slot reads, booking throughput under races,
and the nearest-store search.

    python -m bench.cards [--quick]

Runs on a throwaway database of the configured kind (SQLite, or PostgreSQL with DATABASE_URL).
Prints one JSON line.

- card_page: SQL queries and median milliseconds of one card page (12 featured products, 3
  promotions, a returning anonymous visitor), through the whole Django stack.
- slots: median milliseconds of a store's free slots for 14 days while 500 seats are booked.
- booking: bookings per second, one customer after another, through `appointment_book` (each
  also records a `book` event and touches the profile).
- race: T threads of customers all trying the same slots of capacity 3 at once; the bookings
  made must be exactly the seats there are (no overbooking), and the refusals clean `slot_full`.
- nearest: median milliseconds to route a WGS-84 position to a guide among N open stores.
"""

import argparse
import json
import statistics
import time
from datetime import datetime, timedelta
from decimal import Decimal

from bench._django import setup


def _ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def _shop(featured: int):
    from linkmall import testing as t
    from linkmall.cards.models import Card, Promotion
    from linkmall.core import clock

    merchant = t.make_merchant("基准美妆")
    store = t.make_store(merchant, name="基准门店")
    guide = t.make_guide(store)
    supplier, category = t.make_supplier(), t.make_category()
    card = Card.objects.create(guide=guide, headline="资深顾问", bio="简介")
    for _ in range(featured):
        product = t.make_product(supplier, category=category)
        t.make_listing(merchant, product.skus.get())
        card.featured.add(product)
    now = clock.now()
    for n in range(3):
        Promotion.objects.create(merchant=merchant, title=f"优惠{n}", starts_at=now - timedelta(days=1),
                                 ends_at=now + timedelta(days=n + 1))
    return store, guide


def card_page(repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    store, guide = _shop(12)
    client = Client()
    url = f"/card/{guide.pk}/"
    assert client.get(url).status_code == 200  # the first visit creates the visitor
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {"queries": len(queries), "ms": _ms(lambda: client.get(url), repeat), "featured": 12}


def slots(repeat: int) -> dict:
    from linkmall import testing as t
    from linkmall.cards.models import Appointment, BookingSettings
    from linkmall.cards.slots import STORE_TZ, grid_starts, open_slots
    from linkmall.core import clock

    store, _ = _shop(0)
    settings = BookingSettings.objects.create(store=store, capacity=2)
    today = clock.now().astimezone(STORE_TZ).date()
    starts = [s for n in range(1, 14) for s in grid_starts(settings, today + timedelta(days=n))][:250]
    users = [t.make_consumer() for _ in range(2)]
    Appointment.objects.bulk_create([Appointment(store=store, user=u, starts_at=s, seat=i + 1)
                                     for s in starts for i, u in enumerate(users)])
    days = open_slots(store=store)
    return {"booked_seats": len(starts) * 2, "free_slots": sum(len(d.slots) for d in days),
            "ms": _ms(lambda: open_slots(store=store), repeat)}


def _future_starts(store, count: int) -> list[datetime]:
    from linkmall.cards.slots import STORE_TZ, booking_settings_for, grid_starts
    from linkmall.core import clock

    settings = booking_settings_for(store)
    today = clock.now().astimezone(STORE_TZ).date()
    return [s for n in range(1, 14) for s in grid_starts(settings, today + timedelta(days=n))][:count]


def booking(count: int) -> dict:
    from linkmall import testing as t
    from linkmall.cards.services import appointment_book

    store, guide = _shop(0)
    starts = _future_starts(store, count)
    customers = [t.make_consumer() for _ in starts]
    start = time.perf_counter()
    for customer, at in zip(customers, starts, strict=True):
        appointment_book(user=customer, store_id=store.pk, starts_at=at, guide_id=guide.pk)
    elapsed = time.perf_counter() - start
    return {"bookings": len(starts), "per_s": round(len(starts) / elapsed, 1)}


def race(threads: int, slots_count: int) -> dict:
    from linkmall import testing as t
    from linkmall.cards.models import Appointment, BookingSettings
    from linkmall.cards.services import appointment_book
    from linkmall.core.errors import Conflict

    store, _ = _shop(0)
    BookingSettings.objects.create(store=store, capacity=3)
    starts = _future_starts(store, slots_count)
    customers = [t.make_consumer() for _ in range(threads)]

    def work(i: int) -> tuple[int, int]:
        made = refused = 0
        for at in starts:
            try:
                appointment_book(user=customers[i], store_id=store.pk, starts_at=at)
                made += 1
            except Conflict as exc:
                assert exc.code == "slot_full", exc.code
                refused += 1
        return made, refused

    start = time.perf_counter()
    results = t.race(*t.copies(work, threads))
    elapsed = time.perf_counter() - start
    errors = [r for r in results if isinstance(r, Exception)]
    made = sum(r[0] for r in results if isinstance(r, tuple))  # what work(i) returned: (made, refused)
    seats = Appointment.objects.filter(store=store, status="booked").count()
    return {"threads": threads, "slots": len(starts), "capacity": 3, "booked": made, "seats_taken": seats,
            "overbooked": seats > 3 * len(starts), "errors": len(errors),
            "attempts_per_s": round(threads * len(starts) / elapsed, 1)}


def nearest(stores: int, repeat: int) -> dict:
    from linkmall import testing as t
    from linkmall.cards.selectors import nearest_card
    from linkmall.stores.models import Store

    merchant = t.make_merchant()
    Store.objects.bulk_create([
        Store(merchant=merchant, name=f"店{n}", city="杭州", address="-",
              latitude=Decimal("30.0") + Decimal(n % 100) / 100, longitude=Decimal("120.0") + Decimal(n // 100) / 100)
        for n in range(stores)])
    found = nearest_card(latitude=30.276503, longitude=120.150467)
    return {"stores": stores, "found": found is not None,
            "ms": _ms(lambda: nearest_card(latitude=30.276503, longitude=120.150467), repeat)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cards")
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    options = parser.parse_args(argv)
    quick = options.quick
    setup()
    from django.db import connection

    from linkmall.scenarios.management.commands.scenario import throwaway_database

    out: dict = {"database": None, "quick": quick}
    with throwaway_database():
        out["database"] = connection.vendor
        out["card_page"] = card_page(10 if quick else 50)
        out["slots"] = slots(5 if quick else 30)
        out["booking"] = booking(40 if quick else 300)
        out["race"] = race(4 if quick else 8, 5 if quick else 20)
        out["nearest"] = nearest(500 if quick else 5000, 5 if quick else 20)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
