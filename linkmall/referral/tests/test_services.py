"""The 2+1 engine on the database: the worked example of the spec, refunds, the kill switch."""

from datetime import timedelta

import pytest
from django.db.models import Sum

from linkmall import testing as t
from linkmall.core import clock
from linkmall.core.errors import Conflict
from linkmall.ledger.models import LedgerAccount
from linkmall.orders.services import order_apply_refund, order_mark_paid, order_place
from linkmall.referral.graph import is_invite_ancestor, referral_bind
from linkmall.referral.models import Promoter, QualifyingProduct, Reward, TeamEvent
from linkmall.referral.services import (
    plan_acknowledge,
    plan_draft,
    plan_go_live,
    promoter_seed,
    rewards_pause,
)
from linkmall.referral.settlement import order_paid, order_refunded, order_settle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(clock.now())


@pytest.fixture
def mall():
    supplier = t.make_supplier()
    merchant = t.make_merchant()
    gift = t.make_product(supplier, cost_fen=15000, price_fen=49900, stock=1000)
    listing = t.make_listing(merchant, gift.skus.get(), pool_fen=30000)
    QualifyingProduct.objects.create(product=gift)
    operator = t.make_platform_user()
    return {"merchant": merchant, "listing": listing, "operator": operator}


def go_live(operator, config):
    plan = plan_draft(actor=operator, config=config)
    plan = plan_acknowledge(actor=operator, plan=plan, codes=[r["code"] for r in plan.compliance])
    return plan_go_live(actor=operator, plan=plan)


def buy(mall, buyer, quantity=1):
    order = order_place(buyer=buyer, merchant=mall["merchant"], lines=[(mall["listing"].pk, quantity)],
                        address=t.make_address(buyer), client_token=f"t-{buyer.pk}-{clock.now().timestamp()}")
    order_mark_paid(order_id=order.pk, paid_at=clock.now())
    order_paid(order_id=order.pk)
    return order


def balances(kind, owner_id):
    return dict(LedgerAccount.objects.filter(owner_kind=kind, owner_id=owner_id).values_list("bucket", "balance_fen"))


def earned(user):
    return Reward.objects.filter(recipient=user).aggregate(s=Sum("amount_fen"))["s"] or 0


def test_the_worked_example_on_the_database(mall):
    go_live(mall["operator"], {"profile": "classic"})
    a = t.make_consumer()
    promoter_seed(user=a, level="boss")
    users = {"A": a}
    for name, ref in [("B", "A"), ("C", "A"), ("B1", "B"), ("B2", "B"), ("B3", "B"), ("B3a", "B3")]:
        users[name] = t.make_consumer()
        assert referral_bind(user=users[name], referrer=users[ref], via="link") is True
        buy(mall, users[name])

    assert [earned(users[n]) for n in ("A", "B", "B3")] == [104000, 70000, 10000]
    team_of = {n: Promoter.objects.get(user=u).team_owner_id for n, u in users.items()}
    assert {n for n, o in team_of.items() if o == a.pk} == {"B1", "B2", "C"}
    assert {n for n, o in team_of.items() if o == users["B"].pk} == {"B3", "B3a"}
    b = Promoter.objects.get(user=users["B"])
    assert (b.level, b.origin_boss_id, b.team_owner_id) == ("boss", a.pk, None)
    kinds = list(TeamEvent.objects.filter(user=users["B"]).values_list("kind", flat=True))
    assert kinds == ["bound", "placed", "promoted", "broke_away"]


def test_accruing_an_order_twice_pays_once(mall):
    go_live(mall["operator"], {"profile": "classic"})
    a, b = t.make_consumer(), t.make_consumer()
    promoter_seed(user=a, level="boss")
    referral_bind(user=b, referrer=a, via="qr")
    order = buy(mall, b)
    order_paid(order_id=order.pk)
    assert earned(a) == 30000


def test_a_partial_refund_brings_fixed_rewards_down_to_the_remaining_units(mall):
    go_live(mall["operator"], {"profile": "classic"})
    a, b = t.make_consumer(), t.make_consumer()
    promoter_seed(user=a, level="boss")
    referral_bind(user=b, referrer=a, via="link")
    order = buy(mall, b, quantity=3)
    assert earned(a) == 3 * 30000
    line = order.lines.get()
    order_apply_refund(order_id=order.pk, lines=[(line.pk, 1, 49900)])
    order_refunded(order_id=order.pk, refund_key="r1")
    assert earned(a) == 2 * 30000
    order_refunded(order_id=order.pk, refund_key="r1-again")  # nothing more to reverse
    assert earned(a) == 2 * 30000
    assert balances("promoter", a.pk) == {"pending": 60000}


def test_settling_makes_pending_rewards_available(mall):
    go_live(mall["operator"], {"profile": "classic"})
    a, b = t.make_consumer(), t.make_consumer()
    promoter_seed(user=a, level="boss")
    referral_bind(user=b, referrer=a, via="card")
    order = buy(mall, b)
    assert set(Reward.objects.values_list("status", flat=True)) == {"pending"}
    assert order_settle(order_id=order.pk) is False  # not due yet
    clock.advance(timedelta(days=7))
    assert order_settle(order_id=order.pk) is True
    assert order_settle(order_id=order.pk) is False
    assert set(Reward.objects.values_list("status", flat=True)) == {"available"}
    assert balances("promoter", a.pk) == {"pending": 0, "available": 30000}
    # the merchant keeps 499 − 150 − 300
    assert balances("merchant", mall["merchant"].pk) == {"pending": 0, "available": 4900}


def test_the_kill_switch_stops_new_rewards_and_keeps_earned_ones(mall):
    go_live(mall["operator"], {"profile": "classic"})
    a, b, c = t.make_consumer(), t.make_consumer(), t.make_consumer()
    promoter_seed(user=a, level="boss")
    referral_bind(user=b, referrer=a, via="link")
    referral_bind(user=c, referrer=a, via="link")
    buy(mall, b)
    rewards_pause(actor=mall["operator"], paused=True, reason="regulator visit")
    buy(mall, c)
    assert earned(a) == 30000
    assert Promoter.objects.get(user=c).level == "agent"  # placement is not money: it still happens


def test_no_plan_goes_live_without_acknowledging_every_risk(mall):
    plan = plan_draft(actor=mall["operator"], config={"profile": "classic"})
    with pytest.raises(Exception) as err:
        plan_acknowledge(actor=mall["operator"], plan=plan, codes=["team_pay"])
    assert err.value.code == "risks_not_acknowledged"
    with pytest.raises(Conflict) as err:
        plan_go_live(actor=mall["operator"], plan=plan)
    assert err.value.code == "compliance_not_acknowledged"
    plan.refresh_from_db()
    assert (plan.status, plan.acknowledged_at) == ("draft", None)


def test_binding_is_first_touch_and_refuses_self_and_cycles():
    a, b, c = t.make_consumer(), t.make_consumer(), t.make_consumer()
    assert referral_bind(user=b, referrer=a, via="link") is True
    assert referral_bind(user=b, referrer=c, via="link") is False  # first touch wins
    assert Promoter.objects.get(user=b).referrer_id == a.pk
    referral_bind(user=c, referrer=b, via="link")
    with pytest.raises(Conflict) as err:
        referral_bind(user=a, referrer=c, via="link")
    assert err.value.code == "referral_cycle"
    with pytest.raises(Conflict) as err:
        referral_bind(user=a, referrer=a, via="link")
    assert err.value.code == "self_referral"
    assert Promoter.objects.get(user=a).referrer_id is None


def test_the_cycle_check_is_one_query_whatever_the_depth(django_assert_num_queries):
    users = [t.make_consumer() for _ in range(60)]
    for child, parent in zip(users[1:], users, strict=False):
        referral_bind(user=child, referrer=parent, via="link")
    with django_assert_num_queries(1):
        assert is_invite_ancestor(ancestor_id=users[0].pk, of_user_id=users[-1].pk) is True


@pytest.mark.django_db(transaction=True)
def test_two_bindings_racing_to_close_a_cycle_leave_no_cycle():
    a, b = t.make_consumer(), t.make_consumer()
    results = t.outcomes(t.race(
        lambda: referral_bind(user=a, referrer=b, via="link"),
        lambda: referral_bind(user=b, referrer=a, via="link"),
    ))

    assert sorted(map(str, results)) == ["True", "referral_cycle"]
