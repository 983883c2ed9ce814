"""The kill switch (issue 3 §3: "stops all new rewards at once without losing what was earned").

Under the default `sales` profile (`basis: settled`) a reward is earned when its order settles
(spec §4), so the switch is read at settlement, not at payment:
- an order paid before the pause that settles while rewards are paused earns nothing, and it
  stays so after the switch is turned off again (no retroactive rewards); its placement still
  happens, and the merchant keeps what would have been paid out;
- rewards already available stay available, and can be withdrawn during the pause;
- refunds still follow §5 during the pause: a refund takes back its share of a reward.
Under `classic` (`basis: paid`) rewards accrue at payment: those pending at the pause are
earned and still settle; an order paid during the pause never earns.
"""

from datetime import timedelta

import pytest

from linkmall import testing as t
from linkmall.core import clock
from linkmall.ledger.models import OwnerKind
from linkmall.ledger.selectors import ledger_verify
from linkmall.ledger.withdrawals import withdrawal_approve, withdrawal_request
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import Promoter, Reward
from linkmall.referral.services import promoter_seed, rewards_pause, rewards_paused
from linkmall.referral.settlement import order_settle
from linkmall.referral.tests._engine_world import (
    GIFT_COST,
    GIFT_PRICE,
    balances,
    buy,
    go_live,
    promoter_balances,
    refund,
    rewards_of,
    shop_open,
)

pytestmark = pytest.mark.django_db

#: with a 100.00 pool the sales rewards (60 % direct, 40 % team) stay under the 30 % cap of 499.00
POOL = 10000


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(clock.now())
    yield
    clock.reset()


@pytest.fixture
def shop():
    return shop_open(gift_pool_fen=POOL)


def a_boss_with_invitees(*names):
    boss = t.make_consumer()
    promoter_seed(user=boss, level="boss")
    users = {"A": boss}
    for name in names:
        users[name] = t.make_consumer()
        referral_bind(user=users[name], referrer=boss, via="link")
    return users


def settle_after(days, *orders):
    clock.advance(timedelta(days=days))
    return [order_settle(order_id=o.pk) for o in orders]


def assert_ledger_balanced():
    report = ledger_verify()
    assert report.ok, report


def test_sales_an_order_paid_before_the_pause_and_settling_during_it_earns_nothing_even_after_the_pause(shop):
    go_live(shop, {"profile": "sales"})
    users = a_boss_with_invitees("B", "C")
    a = users["A"]
    earlier = buy(shop, users["C"])
    assert settle_after(7, earlier) == [True]
    assert rewards_of(a) == [("direct", 6000, "available"), ("team", 4000, "available")]

    paid_before = buy(shop, users["B"])
    clock.advance(timedelta(days=1))
    rewards_pause(actor=shop.operator, paused=True, reason="regulator visit")
    assert settle_after(6, paid_before) == [True]

    assert Reward.objects.filter(order=paid_before).count() == 0
    # entry and placement are not money: B still becomes an agent in A's team
    b = Promoter.objects.get(user=users["B"])
    assert (b.level, b.team_owner_id) == ("agent", a.pk)
    # what A earned before the pause stays, and can be withdrawn while paused
    assert promoter_balances(a) == {"available": 10000}
    withdrawal = withdrawal_request(actor=a, owner_kind=OwnerKind.PROMOTER, owner_id=a.pk, amount_fen=5000,
                                    key="during-pause")
    assert withdrawal_approve(actor=shop.operator, withdrawal=withdrawal).status == "paid"
    assert promoter_balances(a) == {"available": 5000, "withdrawn": withdrawal.net_fen}
    # the merchant keeps what would have been paid out; the supplier is paid as usual
    merchant_share = (GIFT_PRICE - GIFT_COST - 10000) + (GIFT_PRICE - GIFT_COST)
    assert balances(OwnerKind.MERCHANT, shop.merchant.pk) == {"available": merchant_share}
    assert balances(OwnerKind.SUPPLIER, shop.supplier_id) == {"available": 2 * GIFT_COST}
    assert_ledger_balanced()

    # turning the switch off pays nothing retroactively: the order settled without rewards
    rewards_pause(actor=shop.operator, paused=False)
    assert rewards_paused() is False
    assert order_settle(order_id=paid_before.pk) is False
    assert Reward.objects.filter(order=paid_before).count() == 0
    assert balances(OwnerKind.MERCHANT, shop.merchant.pk) == {"available": merchant_share}

    # and new orders earn again: D (invited by the agent B) buys after the pause
    d = t.make_consumer()
    referral_bind(user=d, referrer=users["B"], via="qr")
    after = buy(shop, d)
    assert settle_after(7, after) == [True]
    assert rewards_of(users["B"]) == [("direct", 6000, "available")]
    assert rewards_of(a)[-1] == ("team", 4000, "available")  # A is two invite levels above D
    assert promoter_balances(a) == {"available": 9000, "withdrawn": withdrawal.net_fen}
    assert_ledger_balanced()


def test_sales_an_order_paid_during_the_pause_and_settling_after_it_earns(shop):
    """The switch is read when the reward would be earned: under `settled`, at settlement."""
    go_live(shop, {"profile": "sales"})
    users = a_boss_with_invitees("B")
    rewards_pause(actor=shop.operator, paused=True)
    order = buy(shop, users["B"])
    clock.advance(timedelta(days=1))
    rewards_pause(actor=shop.operator, paused=False)
    assert settle_after(6, order) == [True]
    assert rewards_of(users["A"]) == [("direct", 6000, "available"), ("team", 4000, "available")]
    assert_ledger_balanced()


def test_sales_a_refund_during_the_pause_still_claws_back_and_a_partly_refunded_order_settles_without_rewards(shop):
    go_live(shop, {"profile": "sales"})
    users = a_boss_with_invitees("B", "C")
    a = users["A"]
    settled = buy(shop, users["C"])
    assert settle_after(7, settled) == [True]
    assert promoter_balances(a) == {"available": 10000}
    unsettled = buy(shop, users["B"], quantity=3)
    rewards_pause(actor=shop.operator, paused=True)

    # §5 still holds while paused: refunding the settled order takes its rewards back
    refund(settled, 1, key="r-settled")
    assert rewards_of(a) == [("direct", 0, "available"), ("team", 0, "available")]
    assert promoter_balances(a) == {}
    # the unsettled order loses one unit before it settles, then settles with nothing for promoters
    refund(unsettled, 1, key="r-unsettled")
    assert settle_after(7, unsettled) == [True]
    assert Reward.objects.filter(order=unsettled).count() == 0
    assert Promoter.objects.get(user=users["B"]).level == "agent"  # two packages remain: B enters
    assert balances(OwnerKind.MERCHANT, shop.merchant.pk) == {"available": 2 * (GIFT_PRICE - GIFT_COST)}
    assert balances(OwnerKind.SUPPLIER, shop.supplier_id) == {"available": 2 * GIFT_COST}
    assert_ledger_balanced()


def test_classic_rewards_pending_at_the_pause_settle_and_an_order_paid_during_it_never_earns(shop):
    go_live(shop, {"profile": "classic"})
    users = a_boss_with_invitees("B", "C")
    a = users["A"]
    before = buy(shop, users["B"], quantity=3)
    assert promoter_balances(a) == {"pending": 90000}
    rewards_pause(actor=shop.operator, paused=True)
    during = buy(shop, users["C"])
    assert Reward.objects.filter(order=during).count() == 0
    assert Promoter.objects.get(user=users["C"]).level == "agent"

    # a refund during the pause cuts the pending rewards to the remaining units (§5)
    refund(before, 1, key="r1")
    assert promoter_balances(a) == {"pending": 60000}
    assert settle_after(7, before, during) == [True, True]
    assert rewards_of(a) == [("direct", 20000, "available"), ("team", 40000, "available")]
    assert promoter_balances(a) == {"available": 60000}

    rewards_pause(actor=shop.operator, paused=False)
    assert Reward.objects.filter(order=during).count() == 0
    merchant_share = 2 * (GIFT_PRICE - GIFT_COST - 30000) + (GIFT_PRICE - GIFT_COST)
    assert balances(OwnerKind.MERCHANT, shop.merchant.pk) == {"available": merchant_share}
    assert_ledger_balanced()
