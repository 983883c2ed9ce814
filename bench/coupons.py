"""Coupon claim burst through the real API: POST /api/v1/campaigns/coupon-templates/{id}/claim to a
gunicorn on loopback (docs/specs/campaigns.md §5).

    python -m bench.coupons [--quick] [--clients 64] [--claims 10000] [--total 1000] [--workers N]

A throwaway database of the configured kind (PostgreSQL when DATABASE_URL is set, which is what the
issue asks for; SQLite otherwise) is migrated and seeded with one merchant, one listing, an active
template of `--total` coupons with a per-user limit of 1, and `--claims` consumers, each with a
Bearer token: a hot coupon drop where ten times as many people tap "领取" as there are coupons, each
once. `--clients` threads, each on its own keep-alive connection, send every consumer's claim once,
all at the same moment. Afterwards the template must have issued exactly `--total` coupons, the
wallets must hold exactly that many, every other answer must be 409 `coupon_sold_out`; otherwise the
run fails (exit status 1). Prints one JSON line: claims/s, p50/p99 per claim.
"""

import argparse
import json
import os
import sys
from datetime import timedelta

from bench.loadgen import Post, post_burst
from bench.server import ROOT, running_server, throwaway_database


def _seed(*, consumers: int, total: int) -> dict:
    import secrets

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from linkmall import testing as t
    from linkmall.accounts.auth import token_hash
    from linkmall.accounts.models import ApiToken, Role, User
    from linkmall.campaigns.services import coupon_template_create, coupon_template_set_status
    from linkmall.core import clock

    call_command("migrate", verbosity=0, interactive=False)
    merchant = t.make_merchant("抢券商家")
    owner = t.make_merchant_owner(merchant)
    product = t.make_product(t.make_supplier())
    t.make_listing(merchant, product.skus.get())
    template = coupon_template_create(actor=owner, merchant=merchant, name="5 元无门槛券", kind="amount", value=500,
                                      valid_days=7, total=total, per_user_limit=1, sources=["claim"],
                                      accept_loss=True)
    coupon_template_set_status(actor=owner, template_id=template.pk, status="active")
    unusable = make_password(None)
    now = clock.now()
    users = User.objects.bulk_create(
        [User(username=f"burst{n}", phone=f"137{n:08d}", role=Role.CONSUMER, password=unusable, date_joined=now)
         for n in range(consumers)], batch_size=2000)
    if any(user.pk is None for user in users):  # SQLite before 3.35 gives no ids back
        users = list(User.objects.filter(username__startswith="burst").order_by("pk"))
    keys = [secrets.token_urlsafe(24) for _ in users]
    ApiToken.objects.bulk_create(
        [ApiToken(key_hash=token_hash(key), user=user, created_at=now, expires_at=now + timedelta(days=1))
         for key, user in zip(keys, users, strict=True)], batch_size=2000)
    return {"template": template.pk, "keys": keys}


def _burst(port: int, template_id: int, keys: list[str], *, clients: int) -> dict:
    path = f"/api/v1/campaigns/coupon-templates/{template_id}/claim"
    burst = post_burst(port=port, work=[[Post(path, b"{}", key) for key in keys[k::clients]] for k in range(clients)])
    return {"claims": len(burst.latencies), "seconds": round(burst.seconds, 2), "claims_per_s": burst.per_s(),
            "p50_ms": burst.ms(0.5), "p99_ms": burst.ms(0.99), "answers": burst.outcomes}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.coupons")
    parser.add_argument("--quick", action="store_true", help="1,000 claims for 100 coupons")
    parser.add_argument("--clients", type=int, default=64, help="concurrent HTTP clients")
    parser.add_argument("--claims", type=int, default=10_000, help="claims, one per consumer")
    parser.add_argument("--total", type=int, default=1_000, help="coupons in the template")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn worker processes")
    options = parser.parse_args(argv)
    if options.quick:
        options.claims, options.total = 1_000, 100
    with throwaway_database("coupons") as db_env:
        os.environ.update(db_env)
        from bench._django import setup

        setup()
        from django.db import connection

        world = _seed(consumers=options.claims, total=options.total)
        vendor = connection.vendor
        connection.close()
        env = {**os.environ, **db_env, "LOG_LEVEL": "WARNING", "DEBUG": "0",
               "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        with running_server(env, workers=options.workers) as port:
            burst = _burst(port, world["template"], world["keys"], clients=options.clients)
        from linkmall.campaigns.models import Coupon, CouponTemplate

        issued = CouponTemplate.objects.get(pk=world["template"]).issued
        in_wallets = Coupon.objects.filter(template_id=world["template"]).count()
        connection.close()
    out = {"database": vendor, "clients": options.clients, "workers": options.workers, "total": options.total,
           "consumers": options.claims, "per_user_limit": 1, **burst, "issued": issued, "in_wallets": in_wallets}
    expected = {"201": options.total, "409:coupon_sold_out": options.claims - options.total}
    if issued != options.total or in_wallets != options.total or burst["answers"] != expected:
        sys.stderr.write(f"coupon burst FAILED: {options.total} coupons, issued {issued}, in wallets {in_wallets}, "
                         f"answers {burst['answers']} (expected {expected})\n")
        print(json.dumps(out))
        raise SystemExit(1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
