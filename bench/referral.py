"""Child process: the 2+1 engine and the ledger — queries per paid order, accrual throughput,
and the runtime of a generated scenario.

    python -m bench.referral [--full] [--accrual-orders N] [--scenario-users N] [--scenario-orders N]

Each part runs on a throwaway database of its own (made and dropped like a test database), so
nothing here touches the bench mall. Prints one JSON line.

- queries: SQL queries of one paid order — the gateway's notification → order paid → entry,
  placement and rewards → the ledger posting — and of its settlement, for a buyer at the edge of
  a team of 1,000 and of 100,000 members and at the end of invite chains 10 and 10,000 deep,
  under the `classic` (rewards at payment) and `sales` (rewards at settlement) profiles. The big
  graphs are bulk inserts of User and Promoter rows, not built through the services, for speed.
  Each shape is measured on its second order (the first opens the recipients' ledger accounts).
- accrual: orders per second through `order_paid` (classic: accrual at payment) and through
  `order_settle` (sales: accrual at settlement), orders placed and marked paid beforehand.
- scenario: `linkmall scenario generate` then the runner, through every real service.
"""

import argparse
import json
import time
from datetime import timedelta

from bench._django import setup

TEAM_SIZES = (1_000, 100_000)
CHAIN_DEPTHS = (10, 10_000)
FULL = {"accrual_orders": 3_000, "scenario_users": 100_000, "scenario_orders": 300_000}
DEFAULT = {"accrual_orders": 300, "scenario_users": 200, "scenario_orders": 600}


def _mall(profile: str):
    from linkmall import testing as t
    from linkmall.referral.models import QualifyingProduct

    supplier, merchant = t.make_supplier(), t.make_merchant()
    gift = t.make_product(supplier, cost_fen=15000, price_fen=49900, stock=10_000_000)
    QualifyingProduct.objects.create(product=gift)
    operator = t.make_platform_user()
    _go_live(operator, profile)
    return {"merchant": merchant, "listing": t.make_listing(merchant, gift.skus.get(), price_fen=49900, pool_fen=30000),
            "operator": operator}


def _go_live(operator, profile: str) -> None:
    from linkmall.referral.services import plan_acknowledge, plan_draft, plan_go_live

    plan = plan_draft(actor=operator, config={"profile": profile})
    plan = plan_acknowledge(actor=operator, plan=plan, codes=[r["code"] for r in plan.compliance])
    plan_go_live(actor=operator, plan=plan)


def _bulk_users(prefix: str, count: int) -> list[int]:
    from linkmall.accounts.models import Role, User

    users = [User(username=f"{prefix}{i}", role=Role.CONSUMER, password="!") for i in range(count)]
    User.objects.bulk_create(users, batch_size=5_000)
    return list(User.objects.filter(username__startswith=prefix).order_by("pk").values_list("pk", flat=True))


def _bulk_team(size: int, tag: str) -> list[int]:
    """A boss and `size` agents in its team, all invited by the boss. Returns [boss, *members]."""
    from linkmall.referral.models import Promoter

    ids = _bulk_users(f"team{tag}-", size + 1)
    boss, members = ids[0], ids[1:]
    rows = [Promoter(user_id=boss, level="boss")]
    rows += [Promoter(user_id=m, level="agent", referrer_id=boss, team_owner_id=boss, bound_via="seed") for m in members]
    Promoter.objects.bulk_create(rows, batch_size=5_000)
    return ids


def _bulk_chain(depth: int, tag: str) -> list[int]:
    """c0 a boss, c1 … c_depth agents in c0's team, each invited by the one before."""
    from linkmall.referral.models import Promoter

    ids = _bulk_users(f"chain{tag}-", depth + 1)
    rows = [Promoter(user_id=ids[0], level="boss")]
    rows += [Promoter(user_id=ids[i], level="agent", referrer_id=ids[i - 1], team_owner_id=ids[0], bound_via="seed")
             for i in range(1, depth + 1)]
    Promoter.objects.bulk_create(rows, batch_size=5_000)
    return ids


def _paid_order_queries(mall, referrer_id: int) -> dict:
    """A new consumer invited by `referrer_id` buys the package; count what paying and settling cost."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linkmall import testing as t
    from linkmall.accounts.models import User
    from linkmall.core import clock
    from linkmall.orders.services import order_place
    from linkmall.payments.gateways.sandbox import sandbox_notification_build, sandbox_trade_pay
    from linkmall.payments.services import payment_handle_notification, payment_start
    from linkmall.referral.graph import referral_bind
    from linkmall.referral.models import Reward
    from linkmall.referral.settlement import order_settle

    buyer = t.make_consumer()
    referrer = User.objects.get(pk=referrer_id)
    with CaptureQueriesContext(connection) as bound:  # the cycle check walks the referrer's chain
        began = time.perf_counter()
        referral_bind(user=buyer, referrer=referrer, via="link")
        bind_ms = (time.perf_counter() - began) * 1000
    order = order_place(buyer=buyer, merchant=mall["merchant"], lines=[(mall["listing"].pk, 1)],
                        address=t.make_address(buyer), client_token=f"bench-{buyer.pk}")
    started = payment_start(actor=buyer, order=order)
    body, headers = sandbox_notification_build(sandbox_trade_pay(out_trade_no=started.payment.out_trade_no))
    with CaptureQueriesContext(connection) as paid:
        began = time.perf_counter()
        result = payment_handle_notification(gateway="sandbox", body=body, headers=headers)
        paid_ms = (time.perf_counter() - began) * 1000
    assert result.outcome == "accepted", result
    clock.advance(timedelta(days=8))
    with CaptureQueriesContext(connection) as settled:
        began = time.perf_counter()
        assert order_settle(order_id=order.pk) is True
        settle_ms = (time.perf_counter() - began) * 1000
    return {"bind": len(bound.captured_queries), "bind_ms": round(bind_ms, 1),
            "paid": len(paid.captured_queries), "settle": len(settled.captured_queries),
            "paid_ms": round(paid_ms, 1), "settle_ms": round(settle_ms, 1),
            "rewards": Reward.objects.filter(order=order).count()}


def queries() -> list[dict]:
    from linkmall.accounts.models import User
    from linkmall.core import clock

    clock.freeze(clock.now())
    mall = _mall("classic")
    shapes = []
    began = time.perf_counter()
    for size in TEAM_SIZES:
        ids = _bulk_team(size, str(size))
        shapes.append(("team", size, ids[1:]))  # a member invites the buyer: the buyer slides into the team
    for depth in CHAIN_DEPTHS:
        ids = _bulk_chain(depth, str(depth))
        shapes.append(("chain", depth, ids[::-1]))  # the deepest agent invites the buyer
    built_s = time.perf_counter() - began
    out = []
    for profile in ("classic", "sales"):
        if profile != "classic":
            _go_live(mall["operator"], profile)
        for kind, size, inviters in shapes:
            first = _paid_order_queries(mall, inviters.pop(0))
            second = _paid_order_queries(mall, inviters.pop(0))
            out.append({"profile": profile, "shape": kind, "size": size, "first": first, **second})
    out.append({"graph_rows_bulk_inserted": sum(TEAM_SIZES) + sum(CHAIN_DEPTHS) + 4, "built_s": round(built_s, 1),
                "users": User.objects.count()})
    clock.reset()
    return out


def _paid_orders(mall, count: int) -> list[int]:
    from linkmall import testing as t
    from linkmall.accounts.models import User
    from linkmall.core import clock
    from linkmall.orders.services import order_mark_paid, order_place
    from linkmall.referral.graph import referral_bind
    from linkmall.referral.services import promoter_seed

    boss = t.make_consumer()
    promoter_seed(user=boss, level="boss")
    ids = []
    for pk in _bulk_users(f"buyer{time.monotonic_ns()}-", count):
        buyer = User.objects.get(pk=pk)
        referral_bind(user=buyer, referrer=boss, via="link")
        order = order_place(buyer=buyer, merchant=mall["merchant"], lines=[(mall["listing"].pk, 1)],
                            address=t.make_address(buyer), client_token=f"acc-{pk}")
        order_mark_paid(order_id=order.pk, paid_at=clock.now())
        ids.append(order.pk)
    return ids


def accrual(count: int) -> dict:
    from linkmall.core import clock
    from linkmall.referral.settlement import order_paid, order_settle

    clock.freeze(clock.now())
    out: dict[str, float] = {"orders": count}
    mall = _mall("classic")
    ids = _paid_orders(mall, count)
    began = time.perf_counter()
    for order_id in ids:
        order_paid(order_id=order_id)
    out["classic_order_paid_per_s"] = round(count / (time.perf_counter() - began), 1)

    _go_live(mall["operator"], "sales")
    ids = _paid_orders(mall, count)
    for order_id in ids:
        order_paid(order_id=order_id)
    clock.advance(timedelta(days=8))
    began = time.perf_counter()
    for order_id in ids:
        order_settle(order_id=order_id)
    out["sales_order_settle_per_s"] = round(count / (time.perf_counter() - began), 1)
    clock.reset()
    return out


def scenario(users: int, orders: int, seed: int = 1) -> dict:
    from linkmall.core import clock
    from linkmall.scenarios.generate import scenario_text
    from linkmall.scenarios.parse import parse_scenario
    from linkmall.scenarios.run import ScenarioRun

    began = time.perf_counter()
    text = scenario_text(users=users, orders=orders, seed=seed)
    generated = time.perf_counter()
    parsed = parse_scenario(text)
    ready = time.perf_counter()
    try:
        result = ScenarioRun(parsed).run()
    finally:
        clock.reset()
    ran = time.perf_counter() - ready
    return {"users": users, "orders": orders, "steps": len(parsed.steps), "generate_s": round(generated - began, 2),
            "parse_s": round(ready - generated, 2), "run_s": round(ran, 1), "orders_per_s": round(orders / ran, 1),
            "balanced": result["ledger"]["balanced"], "rejected": len(result["rejected"])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.referral")
    parser.add_argument("--full", action="store_true", help="the full sizes: 100,000 users and 300,000 orders")
    parser.add_argument("--parts", default="queries,accrual,scenario")
    for key, value in DEFAULT.items():
        parser.add_argument(f"--{key.replace('_', '-')}", type=int, default=None, help=f"default {value}")
    options = parser.parse_args(argv)
    sizes = {k: getattr(options, k) or (FULL if options.full else DEFAULT)[k] for k in DEFAULT}
    setup()
    from linkmall.scenarios.management.commands.scenario import throwaway_database

    out: dict = {"sizes": sizes, "full": options.full}
    parts = options.parts.split(",")
    if "queries" in parts:
        with throwaway_database():
            out["queries"] = queries()
    if "accrual" in parts:
        with throwaway_database():
            out["accrual"] = accrual(sizes["accrual_orders"])
    if "scenario" in parts:
        with throwaway_database():
            out["scenario"] = scenario(sizes["scenario_users"], sizes["scenario_orders"])
    print(json.dumps(out))


if __name__ == "__main__":
    main()


# --- the table `python -m bench` prints (imported by bench/report.py; no Django here) ------


def referral_markdown(results: dict) -> list[str]:
    out = ["", "## 2+1 engine: SQL queries per paid order (must not grow with team size or invite depth)", "",
           "| database | profile | graph | size | queries paid | queries settle | ms paid | ms settle | rewards "
           "| queries bind | ms bind |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    rest = ["", "## 2+1 engine: accrual throughput and a generated scenario", "",
            "| database | order_paid/s (classic) | order_settle/s (sales) | scenario users | orders | run s "
            "| orders/s | balanced | rejected |",
            "|---|---:|---:|---:|---:|---:|---:|---|---:|"]
    verdicts = []
    for backend, data in results["backends"].items():
        ref = data.get("referral")
        if not ref:
            continue
        rows = [r for r in ref.get("queries", []) if "shape" in r]
        for r in rows:
            out.append(f"| {backend} | {r['profile']} | {r['shape']} | {r['size']:,} | {r['paid']} | {r['settle']} "
                       f"| {r['paid_ms']} | {r['settle_ms']} | {r['rewards']} | {r.get('bind', '')} | {r.get('bind_ms', '')} |")
        for profile in sorted({r["profile"] for r in rows}):
            for shape in ("team", "chain"):
                same = [r for r in rows if r["profile"] == profile and r["shape"] == shape]
                if not same:
                    continue
                counts = {(r["paid"], r["settle"]) for r in same}
                verdicts.append(f"- {backend} {profile} {shape}: queries {'flat' if len(counts) == 1 else 'GROW'} "
                                f"across sizes {sorted(r['size'] for r in same)}")
        acc, sc = ref.get("accrual", {}), ref.get("scenario", {})
        rest.append(f"| {backend} | {acc.get('classic_order_paid_per_s', '')} | {acc.get('sales_order_settle_per_s', '')} "
                    f"| {sc.get('users', '')} | {sc.get('orders', '')} | {sc.get('run_s', '')} | {sc.get('orders_per_s', '')} "
                    f"| {sc.get('balanced', '')} | {sc.get('rejected', '')} |")
    if not verdicts:
        return []
    return out + [""] + verdicts + rest
