"""Points and growth from settled orders, and what refunds after settlement take back, through the
real services: an order is placed, paid at the sandbox cashier, settled and refunded
(docs/specs/campaigns.md, "Points, member levels and sign-in")."""

from datetime import timedelta
from decimal import Decimal

import pytest

from linkmall import testing as t
from linkmall.campaigns.models import GrowthEntry, LoyaltyCredit, LoyaltySettings, MemberLevel, PointsEntry
from linkmall.campaigns.selectors.loyalty import loyalty_summary, points_and_level
from linkmall.campaigns.services import points_grant, points_spend
from linkmall.campaigns.tests.factories import T0
from linkmall.core import clock
from linkmall.orders.services import order_place
from linkmall.payments.services import refund_create
from linkmall.payments.tests.helpers import pay
from linkmall.referral.models import OrderSettlement
from linkmall.referral.settlement import order_settle

pytestmark = pytest.mark.django_db

PRICE, COST = 10000, 4000


@pytest.fixture
def mall():
    clock.freeze(T0)
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=COST, price_fen=PRICE, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=PRICE)
    buyer = t.make_consumer()
    LoyaltySettings.objects.create(merchant=merchant, points_per_yuan=2, points_valid_days=100)
    return {"merchant": merchant, "listing": listing, "buyer": buyer, "address": t.make_address(buyer),
            "operator": t.make_platform_user()}


def buy(mall, quantity, *, token="t-1", points=0):
    order = order_place(buyer=mall["buyer"], merchant=mall["merchant"], lines=[(mall["listing"].pk, quantity)],
                        address=mall["address"], client_token=token, points=points)
    pay(order)
    return order


def settle(order):
    clock.freeze(max(clock.now(), OrderSettlement.objects.get(order=order).settle_due_at))
    assert order_settle(order_id=order.pk) is True


def refund(mall, order, quantity, key):
    line = order.lines.get()
    return refund_create(actor=mall["operator"], order=order, lines=[(line.pk, quantity)], reason="",
                         idempotency_key=key)


def balance(mall):
    return loyalty_summary(user=mall["buyer"], merchant=mall["merchant"]).balance


def growth(mall):
    return loyalty_summary(user=mall["buyer"], merchant=mall["merchant"]).growth_fen


def test_a_settled_order_earns_points_on_what_it_paid_and_grows_the_member_once(mall):
    order = buy(mall, 3)
    assert (balance(mall), growth(mall)) == (0, 0)  # nothing before settlement
    settle(order)
    settled_at = clock.now()

    earn = PointsEntry.objects.get(kind="earn")
    assert (earn.delta, earn.key, earn.reason) == (600, f"earn:order:{order.pk}", order.number)  # 300.00 × 2
    assert earn.expires_at == settled_at + timedelta(days=100)
    assert (balance(mall), growth(mall)) == (600, 30000)
    assert list(GrowthEntry.objects.values_list("kind", "delta_fen", "key")) == [("settle", 30000, f"order:{order.pk}")]
    assert order_settle(order_id=order.pk) is False  # a second settle finds it done: nothing twice
    assert PointsEntry.objects.filter(kind="earn").count() == 1


def test_an_order_refunded_before_settlement_earns_only_on_what_remains(mall):
    order = buy(mall, 3)
    refund(mall, order, 1, "r1")
    settle(order)

    assert (balance(mall), growth(mall)) == (400, 20000)


def test_a_refund_after_settlement_takes_back_points_in_proportion_and_growth(mall):
    order = buy(mall, 3)
    settle(order)

    refund(mall, order, 1, "r1")

    assert (balance(mall), growth(mall)) == (400, 20000)
    takeback = PointsEntry.objects.get(kind="takeback")
    assert (takeback.delta, takeback.key) == (-200, f"takeback:order:{order.pk}:refund:r1")
    assert list(GrowthEntry.objects.order_by("pk").values_list("delta_fen", flat=True)) == [30000, -10000]
    refund(mall, order, 2, "r2")
    assert (balance(mall), growth(mall)) == (0, 0)
    credit = LoyaltyCredit.objects.get()
    assert (credit.paid_fen, credit.points_taken, credit.points_short) == (0, 600, 0)


def test_points_already_spent_are_not_taken_below_zero_and_the_shortfall_is_recorded(mall):
    order = buy(mall, 3)
    settle(order)
    points_spend(buyer=mall["buyer"], merchant=mall["merchant"], points=500, key="spent-elsewhere")

    refund(mall, order, 3, "all")

    credit = LoyaltyCredit.objects.get()
    assert balance(mall) == 0
    assert (credit.points_taken, credit.points_short) == (100, 500)
    assert PointsEntry.objects.get(kind="takeback").delta == -100


def test_a_refund_takes_the_buyer_below_the_threshold_and_the_level_and_its_discount_go(mall):
    MemberLevel.objects.create(merchant=mall["merchant"], name="银卡会员", threshold_fen=10000, percent_off=Decimal(2))
    gold = MemberLevel.objects.create(merchant=mall["merchant"], name="金卡会员", threshold_fen=30000,
                                      percent_off=Decimal(5))
    order = buy(mall, 3)
    settle(order)
    assert loyalty_summary(user=mall["buyer"], merchant=mall["merchant"]).level == gold
    assert points_and_level(buyer=mall["buyer"], merchant=mall["merchant"]) == (600, Decimal(5))

    refund(mall, order, 2, "r1")

    summary = loyalty_summary(user=mall["buyer"], merchant=mall["merchant"])
    assert (summary.level.name, summary.next_level, summary.to_next_fen) == ("银卡会员", gold, 20000)
    assert points_and_level(buyer=mall["buyer"], merchant=mall["merchant"]) == (200, Decimal(2))


def test_the_level_discount_is_applied_at_checkout_and_stored_per_line(mall):
    MemberLevel.objects.create(merchant=mall["merchant"], name="金卡会员", threshold_fen=30000, percent_off=Decimal(5))
    settle(buy(mall, 3))
    points_grant(user=mall["buyer"], merchant=mall["merchant"], points=100, key="gift", reason="x")

    order = buy(mall, 2, token="t-2", points=100)

    line = order.lines.get()
    # A 200.00, V 5% = 10.00, points 1.00: P 189.00
    assert (line.activity_fen, line.level_fen, line.points_fen, line.paid_fen) == (20000, 1000, 100, 18900)


def test_levels_switched_off_give_no_discount(mall):
    MemberLevel.objects.create(merchant=mall["merchant"], name="金卡会员", threshold_fen=0, percent_off=Decimal(5))
    assert points_and_level(buyer=mall["buyer"], merchant=mall["merchant"]) == (0, Decimal(5))
    LoyaltySettings.objects.filter(merchant=mall["merchant"]).update(levels_enabled=False)

    order = buy(mall, 1)

    assert order.lines.get().level_fen == 0
    assert points_and_level(buyer=mall["buyer"], merchant=mall["merchant"]) == (0, Decimal(0))
