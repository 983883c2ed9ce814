"""Redemption at a counter (核销, docs/o2o.md): 32 store staff scanning codes at once through the real
API, POST /api/v1/redeem to a gunicorn on loopback.

    python -m bench.redeem [--quick] [--codes 1600] [--clients 32] [--stores 4] [--workers N]

A throwaway database of the configured kind (PostgreSQL when DATABASE_URL is set, which is what the
issue asks for; SQLite otherwise) is migrated and seeded through the services: one merchant with
`--stores` stores and `--clients` guides spread over them (distinct staff, each with a Bearer
token), half the codes as pick-up orders placed, paid in the sandbox, shipped and received by their
store (待自提), half as in-store coupons (到店核销券, 满100减20) in as many wallets. Every code is given to
one guide of a store that may redeem it (a pick-up code to a guide of its store, a coupon to any),
and the guides, each on its own keep-alive connection, all start at the same moment and POST their
codes one after another (a coupon with its in-store purchase). The latency is scan → confirmed:
from sending the code to reading the answer.

Afterwards every code must have been redeemed exactly once and nothing else must have happened:
every answer 200, one `redeemed` audit row per code (per order and per coupon), no other audit row,
every order collected and completed, every coupon used; otherwise the run fails (exit status 1).
Prints one JSON line: redemptions/s, p50/p95/p99 per redemption.
"""

import argparse
import json
import os
import sys
import time
from datetime import timedelta

from bench.loadgen import Post, post_burst
from bench.server import ROOT, running_server, throwaway_database


def _seed(*, codes: int, clients: int, stores: int) -> dict:
    import secrets

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from linkmall import testing as t
    from linkmall.accounts.auth import token_hash
    from linkmall.accounts.models import ApiToken, Role, User
    from linkmall.aftersales.services.redemption import pickup_parcel_received
    from linkmall.campaigns.services import coupon_issue, coupon_template_create, coupon_template_set_status
    from linkmall.core import clock
    from linkmall.demo.sandbox import pay_in_sandbox
    from linkmall.orders.services import fulfilment_ship, order_place

    call_command("migrate", verbosity=0, interactive=False)
    merchant = t.make_merchant("核销商家")
    owner = t.make_merchant_owner(merchant)
    supplier = t.make_supplier()
    staff = t.make_supplier_staff(supplier)
    sku = t.make_product(supplier, price_fen=9900, cost_fen=5000, stock=codes + 10).skus.get()
    listing = t.make_listing(merchant, sku, price_fen=9900)
    shops = [t.make_store(merchant, name=f"门店{n + 1}") for n in range(stores)]
    guides = [t.make_guide(shops[k % stores]) for k in range(clients)]
    template = coupon_template_create(actor=owner, merchant=merchant, name="到店满100减20", kind="amount", value=2000,
                                      threshold_fen=10000, valid_days=7, total=codes, per_user_limit=1,
                                      sources=["claim"], in_store=True, accept_loss=True)
    coupon_template_set_status(actor=owner, template_id=template.pk, status="active")

    pickups = codes // 2
    unusable = make_password(None)
    now = clock.now()
    users = User.objects.bulk_create(
        [User(username=f"redeem{n}", phone=f"136{n:08d}", role=Role.CONSUMER, password=unusable, date_joined=now)
         for n in range(codes - pickups + 1)], batch_size=2000)
    if any(user.pk is None for user in users):  # SQLite before 3.35 gives no ids back
        users = list(User.objects.filter(username__startswith="redeem").order_by("pk"))
    buyer = users[-1]
    per_guide: list[list[dict]] = [[] for _ in guides]
    by_store = {shop.pk: [k for k, guide in enumerate(guides) if guide.store_id == shop.pk] for shop in shops}
    for n in range(pickups):
        shop = shops[n % stores]
        order = order_place(buyer=buyer, merchant=merchant, lines=[(listing.pk, 1)], address=None,
                            client_token=f"bench-redeem-{n}", fulfilment_mode="pickup", pickup_store=shop)
        pay_in_sandbox(buyer=buyer, order=order)
        fulfilment_ship(actor=staff, fulfilment=order.fulfilments.get(), carrier="SF",
                        tracking_number=f"SF{n:010d}")
        order = pickup_parcel_received(actor=owner, order_id=order.pk)
        mine = by_store[shop.pk]
        per_guide[mine[(n // stores) % len(mine)]].append({"code": order.pickup_code})
    for n, user in enumerate(users[:-1]):
        coupon = coupon_issue(template=template, user=user, source="claim", key=f"bench-redeem-{n}")
        per_guide[n % len(guides)].append({"code": coupon.code, "purchase_fen": 10000 + n % 50 * 100})

    keys = [secrets.token_urlsafe(24) for _ in guides]
    ApiToken.objects.bulk_create(
        [ApiToken(key_hash=token_hash(key), user_id=guide.user_id, created_at=now, expires_at=now + timedelta(days=1))
         for key, guide in zip(keys, guides, strict=True)])
    return {"keys": keys, "work": per_guide, "pickups": pickups, "coupons": codes - pickups,
            "merchant": merchant.pk, "template": template.pk}


def _scan(port: int, keys: list[str], work: list[list[dict]]) -> dict:
    burst = post_burst(port=port, work=[[Post("/api/v1/redeem", json.dumps(body).encode(), key) for body in mine]
                                        for key, mine in zip(keys, work, strict=True)])
    return {"redemptions": len(burst.latencies), "seconds": round(burst.seconds, 2),
            "redemptions_per_s": burst.per_s(), "p50_ms": burst.ms(0.5), "p95_ms": burst.ms(0.95),
            "p99_ms": burst.ms(0.99), "answers": burst.outcomes}


def _check(world: dict) -> dict:
    """What the database says after the run: one redeemed row per code and nothing else."""
    from django.db.models import Count

    from linkmall.campaigns.models import Coupon
    from linkmall.orders.models import Order, Redemption

    rows = Redemption.objects.filter(merchant_id=world["merchant"])
    redeemed = rows.filter(outcome=Redemption.Outcome.REDEEMED)
    return {
        "audit_rows": rows.count(),
        "redeemed_rows": redeemed.count(),
        "orders_redeemed": redeemed.exclude(order=None).values("order_id").distinct().count(),
        "coupons_redeemed": redeemed.exclude(coupon=None).values("coupon_id").distinct().count(),
        "twice": redeemed.values("code", "kind").annotate(n=Count("pk")).filter(n__gt=1).count(),
        "orders_completed": Order.objects.filter(merchant_id=world["merchant"], status=Order.Status.COMPLETED,
                                                 picked_up_at__isnull=False).count(),
        "coupons_used": Coupon.objects.filter(template_id=world["template"], status=Coupon.Status.USED).count(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.redeem")
    parser.add_argument("--quick", action="store_true", help="300 codes")
    parser.add_argument("--codes", type=int, default=1_600, help="codes to redeem: half pick-ups, half coupons")
    parser.add_argument("--clients", type=int, default=32, help="concurrent staff clients (distinct guides)")
    parser.add_argument("--stores", type=int, default=4, help="stores the guides and pick-ups are spread over")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn worker processes")
    options = parser.parse_args(argv)
    if options.quick:
        options.codes = 300
    with throwaway_database("redeem") as db_env:
        os.environ.update(db_env)
        from bench._django import setup

        setup()
        from django.db import connection

        if connection.vendor == "postgresql":
            # the seed only: nothing is measured while it runs, and each order is several commits
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
        seeding = time.perf_counter()
        world = _seed(codes=options.codes, clients=options.clients, stores=options.stores)
        seeded = round(time.perf_counter() - seeding, 1)
        vendor = connection.vendor
        connection.close()
        env = {**os.environ, **db_env, "LOG_LEVEL": "WARNING", "DEBUG": "0",
               "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        with running_server(env, workers=options.workers) as port:
            scan = _scan(port, world["keys"], world["work"])
        after = _check(world)
        connection.close()
    out = {"database": vendor, "clients": options.clients, "workers": options.workers, "stores": options.stores,
           "codes": options.codes, "pickups": world["pickups"], "coupons": world["coupons"], "seed_seconds": seeded,
           **scan, "after": after}
    expected = {"audit_rows": options.codes, "redeemed_rows": options.codes, "orders_redeemed": world["pickups"],
                "coupons_redeemed": world["coupons"], "twice": 0, "orders_completed": world["pickups"],
                "coupons_used": world["coupons"]}
    if scan["answers"] != {"200": options.codes} or after != expected:
        sys.stderr.write(f"redemption drill FAILED: answers {scan['answers']}, after {after} (expected {expected})\n")
        print(json.dumps(out))
        raise SystemExit(1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()


def redeem_markdown(results: dict) -> list[str]:
    """The drill's lines for the bench's markdown report (nothing when it did not run)."""
    runs = [(backend, data["redeem"]) for backend, data in results["backends"].items() if data.get("redeem")]
    if not runs:
        return []
    out = ["", "## Redemption at a counter (核销)", "",
           "| database | codes (pick-ups + coupons) | staff clients | gunicorn workers | redemptions/s "
           "| p50 ms | p95 ms | p99 ms | redeemed once each |", "|---|---|---|---|---|---|---|---|---|"]
    for backend, run in runs:
        after = run["after"]
        once = after["redeemed_rows"] == run["codes"] and after["twice"] == 0 and after["audit_rows"] == run["codes"]
        out.append(f"| {backend} | {run['codes']:,} ({run['pickups']:,} + {run['coupons']:,}) | {run['clients']} "
                   f"| {run['workers']} | {run['redemptions_per_s']} | {run['p50_ms']} | {run['p95_ms']} "
                   f"| {run['p99_ms']} | {'yes' if once else 'NO'} |")
    return out
