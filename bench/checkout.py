"""Child process: SQL queries per checkout and place-and-pay throughput.

place-and-pay = `order_place` + `payment_start` + a signed sandbox notification handled by
`payment_handle_notification` — what a buyer and the gateway do for one order.

    python -m bench.checkout queries 1,3,10
    python -m bench.checkout throughput LINES ORDERS WORKER WORKERS START_AT [coupon|plain]
    python -m bench.checkout stock
    python -m bench.checkout campaigns          (a coupon template, points and a member level: see below)
    python -m bench.checkout campaign-queries 1,5,20
    python -m bench.checkout breakdown LINES ORDERS   (where one place-and-pay's time goes)
Prints one JSON line.
"""

import json
import random
import sys
import time
import uuid

from bench._django import setup


def _world():
    from linkmall.accounts.models import Role, User
    from linkmall.customers.models import Address
    from linkmall.stores.models import Listing, Merchant

    merchant = Merchant.objects.order_by("pk").first()
    listings = list(Listing.objects.filter(merchant=merchant, is_active=True).select_related("sku").order_by("pk"))
    buyers = list(User.objects.filter(role=Role.CONSUMER).order_by("pk"))
    addresses = {a.user_id: a for a in Address.objects.filter(is_default=True)}
    buyers = [b for b in buyers if b.pk in addresses]
    return merchant, listings, buyers, addresses


def _lines_from_distinct_suppliers_first(rng: random.Random, listings, count: int) -> list[tuple[int, int]]:
    chosen = rng.sample(listings, count)
    return [(listing.pk, 1) for listing in chosen]


def place_and_pay(*, buyer, merchant, lines, address, coupon_id=None, points=0):
    from linkmall.demo.sandbox import pay_in_sandbox
    from linkmall.orders.services import order_place

    order = order_place(buyer=buyer, merchant=merchant, lines=lines, address=address,
                        client_token=uuid.uuid4().hex, coupon_id=coupon_id, points=points)
    pay_in_sandbox(buyer=buyer, order=order)
    return order


# --- checkout with campaigns: a coupon, points and a member level ----------------------------------------

#: the bench's coupon template at the first merchant: 满 10 减 3, up to 100 per buyer
BENCH_COUPON = "基准券 满10减3"
#: points a campaign checkout spends (1.00); every buyer is granted far more
POINTS_PER_ORDER = 100


def campaigns_setup() -> dict:
    """At the first merchant: an active coupon template, 1,000,000 points for every buyer, and a
    member level every buyer reaches (5 % off) when the loyalty app has levels. Through the services."""
    from linkmall.accounts.models import Role, User
    from linkmall.campaigns.services import coupon_template_create, coupon_template_set_status, points_grant

    merchant, _listings, buyers, _addresses = _world()
    owner = User.objects.filter(role=Role.MERCHANT_OWNER, tenant_id=merchant.pk).order_by("pk").first()
    if owner is None:
        raise RuntimeError("the bench merchant has no owner to run its campaigns")
    template = coupon_template_create(actor=owner, merchant=merchant, name=BENCH_COUPON, kind="amount", value=300,
                                      threshold_fen=1000, valid_days=30, total=1_000_000, per_user_limit=100,
                                      sources=["claim"], accept_loss=True)
    coupon_template_set_status(actor=owner, template_id=template.pk, status="active")
    for buyer in buyers:
        points_grant(user=buyer, merchant=merchant, points=1_000_000, key="bench-points", reason="bench")
    level = False
    try:
        from linkmall.campaigns.services.loyalty import member_level_create
    except ImportError:  # member levels not built yet: coupon and points only
        pass
    else:
        member_level_create(actor=owner, merchant=merchant,
                            fields={"name": "基准会员", "threshold_fen": 0, "percent_off": "5"})
        level = True
    return {"template": template.pk, "buyers": len(buyers), "level": level}


def _claim_for(buyer) -> int:
    from linkmall.campaigns.models import CouponTemplate
    from linkmall.campaigns.services import coupon_claim

    template = CouponTemplate.objects.only("pk").get(name=BENCH_COUPON)
    return coupon_claim(user=buyer, template_id=template.pk, key=uuid.uuid4().hex).pk


def campaign_queries(line_counts: list[int]) -> dict:
    """SQL queries of one checkout with a coupon, points and (when set up) the level discount; the
    coupon is claimed before counting."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linkmall.demo.sandbox import pay_in_sandbox
    from linkmall.orders.services import order_place

    merchant, listings, buyers, addresses = _world()
    rng = random.Random(2)
    result = {}
    for count in line_counts:
        buyer = rng.choice(buyers)
        lines = _lines_from_distinct_suppliers_first(rng, listings, count)
        coupon_id = _claim_for(buyer)
        with CaptureQueriesContext(connection) as placing:
            order = order_place(buyer=buyer, merchant=merchant, lines=lines, address=addresses[buyer.pk],
                                client_token=uuid.uuid4().hex, coupon_id=coupon_id, points=POINTS_PER_ORDER)
        with CaptureQueriesContext(connection) as paying:
            pay_in_sandbox(buyer=buyer, order=order)
        line = order.lines.order_by("pk").first()
        result[str(count)] = {
            "order_place": len(placing.captured_queries),
            "place_and_pay": len(placing.captured_queries) + len(paying.captured_queries),
            "coupon_used": order.coupon_id == coupon_id,
            "points_used": order.points_used,
            "level_fen_first_line": line.level_fen if line else 0,
        }
    return result


def queries(line_counts: list[int]) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linkmall.demo.sandbox import pay_in_sandbox
    from linkmall.orders.services import order_place

    merchant, listings, buyers, addresses = _world()
    rng = random.Random(1)
    result = {}
    for count in line_counts:
        buyer = rng.choice(buyers)
        lines = _lines_from_distinct_suppliers_first(rng, listings, count)
        with CaptureQueriesContext(connection) as placing:
            order = order_place(buyer=buyer, merchant=merchant, lines=lines, address=addresses[buyer.pk],
                                client_token=uuid.uuid4().hex)
        with CaptureQueriesContext(connection) as paying:
            pay_in_sandbox(buyer=buyer, order=order)
        result[str(count)] = {
            "order_place": len(placing.captured_queries),
            "place_and_pay": len(placing.captured_queries) + len(paying.captured_queries),
            "fulfilments": order.fulfilments.count(),
        }
    return result


def throughput(lines: int, orders: int, worker: int, workers: int, start_at: float, *, coupon: bool = False) -> dict:
    """Place and pay `orders` orders; parallel workers start together at the wall time `start_at`.
    With `coupon`, each order uses a coupon claimed beforehand (not timed) and spends points."""
    merchant, listings, buyers, addresses = _world()
    mine = buyers[worker::workers] or buyers
    rng = random.Random(1000 + worker)
    plan = [(mine[i % len(mine)], _lines_from_distinct_suppliers_first(rng, listings, lines)) for i in range(orders)]
    coupons = [_claim_for(buyer) if coupon else None for buyer, _lines in [plan[0], *plan]]
    points = POINTS_PER_ORDER if coupon else 0
    # one warm-up order so connection set-up and imports are not timed
    buyer, lines_ = plan[0]
    place_and_pay(buyer=buyer, merchant=merchant, lines=lines_, address=addresses[buyer.pk], coupon_id=coupons[0],
                  points=points)
    time.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    for (buyer, lines_), coupon_id in zip(plan, coupons[1:], strict=True):
        place_and_pay(buyer=buyer, merchant=merchant, lines=lines_, address=addresses[buyer.pk], coupon_id=coupon_id,
                      points=points)
    finished = time.time()
    return {"orders": orders, "started": started, "finished": finished, "seconds": round(finished - started, 3)}


def breakdown(lines: int, orders: int) -> dict:
    """Wall time per place-and-pay, and how much of it is spent waiting on the database."""
    from django.db import connection

    merchant, listings, buyers, addresses = _world()
    rng = random.Random(7)
    plan = [(buyers[i % len(buyers)], _lines_from_distinct_suppliers_first(rng, listings, lines))
            for i in range(orders + 5)]
    for buyer, lines_ in plan[:5]:  # warm-up
        place_and_pay(buyer=buyer, merchant=merchant, lines=lines_, address=addresses[buyer.pk])
    in_database = 0.0
    statements = 0

    def timed(execute, sql, params, many, context):
        nonlocal in_database, statements
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_database += time.perf_counter() - began
            statements += 1

    began = time.perf_counter()
    with connection.execute_wrapper(timed):
        for buyer, lines_ in plan[5:]:
            place_and_pay(buyer=buyer, merchant=merchant, lines=lines_, address=addresses[buyer.pk])
    wall = time.perf_counter() - began
    return {"vendor": connection.vendor, "orders": orders, "lines": lines,
            "ms_per_order": round(wall / orders * 1000, 1),
            "ms_in_database_per_order": round(in_database / orders * 1000, 1),
            "statements_per_order": round(statements / orders, 1)}


def stock_up() -> dict:
    """Give the first merchant's SKUs plenty of stock so the throughput runs never sell out."""
    from linkmall.accounts.models import Role, User
    from linkmall.catalog.services import sku_stock_adjust

    merchant, listings, _buyers, _addresses = _world()
    staff = {u.tenant_id: u for u in User.objects.filter(role=Role.SUPPLIER_STAFF).order_by("-pk")}
    for listing in listings:
        sku_stock_adjust(actor=staff[listing.sku.supplier_id], sku=listing.sku, delta=100_000)
    return {"skus": len(listings)}


def main() -> None:
    setup()
    mode = sys.argv[1]
    if mode == "queries":
        out = queries([int(x) for x in sys.argv[2].split(",")])
    elif mode == "throughput":
        lines, orders, worker, workers = (int(x) for x in sys.argv[2:6])
        out = throughput(lines, orders, worker, workers, float(sys.argv[6]),
                         coupon=len(sys.argv) > 7 and sys.argv[7] == "coupon")
    elif mode == "stock":
        out = stock_up()
    elif mode == "campaigns":
        out = campaigns_setup()
    elif mode == "campaign-queries":
        out = campaign_queries([int(x) for x in sys.argv[2].split(",")])
    elif mode == "breakdown":
        out = breakdown(int(sys.argv[2]), int(sys.argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
