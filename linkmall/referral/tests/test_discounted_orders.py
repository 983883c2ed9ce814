"""An order with discounts in the ledger (docs/specs/campaigns.md §2–§4): who pays each discount,
marketing cost, refunds by `unit_share`, and rewards × P / L. Orders are placed, paid at the
sandbox cashier and refunded through the real services."""

from datetime import timedelta
from decimal import Decimal

import pytest

from linkmall import testing as t
from linkmall.campaigns.models import PointsAccount, PointsEntry
from linkmall.campaigns.services import coupon_claim, points_grant
from linkmall.campaigns.tests.factories import make_template
from linkmall.core import clock
from linkmall.ledger.models import Bucket, LedgerAccount, OwnerKind
from linkmall.ledger.selectors import ledger_verify, marketing_cost
from linkmall.orders.services import order_place
from linkmall.payments.services import refund_create
from linkmall.payments.tests.helpers import pay
from linkmall.referral.engine import Recipients, line_reward_amounts
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import Reward
from linkmall.referral.plans import Plan
from linkmall.referral.services import plan_acknowledge, plan_draft, plan_go_live, promoter_seed
from linkmall.referral.settlement import order_settle

pytestmark = pytest.mark.django_db

PRICE, COST = 10000, 4000


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(clock.now())


@pytest.fixture
def mall():
    """A 100.00 product (cost 40.00, pool 25.00 a unit); the sales plan paying at payment with a 5% fee;
    buyer U was referred by agent R, both in boss A's team."""
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=COST, price_fen=PRICE, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=PRICE, pool_fen=2500)
    operator = t.make_platform_user()
    plan = plan_draft(actor=operator, config={"profile": "sales", "basis": "paid", "platform_fee": "5%"})
    plan = plan_acknowledge(actor=operator, plan=plan, codes=[r["code"] for r in plan.compliance])
    plan_go_live(actor=operator, plan=plan)
    boss, referrer, buyer = t.make_consumer(), t.make_consumer(), t.make_consumer()
    promoter_seed(user=boss, level="boss")
    referral_bind(user=referrer, referrer=boss, via="link")
    promoter_seed(user=referrer, level="agent", team_owner=boss)
    referral_bind(user=buyer, referrer=referrer, via="link")
    promoter_seed(user=buyer, level="agent", team_owner=boss)
    return {"merchant": merchant, "supplier": supplier, "listing": listing, "operator": operator,
            "boss": boss, "referrer": referrer, "buyer": buyer, "address": t.make_address(buyer)}


def buy(mall, quantity, *, coupon=None, points=0, token="t-1"):
    order = order_place(buyer=mall["buyer"], merchant=mall["merchant"], lines=[(mall["listing"].pk, quantity)],
                        address=mall["address"], client_token=token, coupon_id=coupon.pk if coupon else None,
                        points=points)
    pay(order)
    return order


def coupon(mall, value_fen, funder):
    template = make_template(mall["merchant"], value=Decimal(value_fen), funder=funder)
    return coupon_claim(user=mall["buyer"], template_id=template.pk)


def ledger(mall):
    """Every non-zero balance, by account code (the promoters by name)."""
    names = {mall["boss"].pk: "A", mall["referrer"].pk: "R"}
    out = {}
    for account in LedgerAccount.objects.exclude(balance_fen=0):
        code = account.code
        if account.owner_kind == OwnerKind.PROMOTER:
            code = f"promoter:{names[account.owner_id]}:{account.bucket}"
        elif account.owner_kind in (OwnerKind.SUPPLIER, OwnerKind.MERCHANT):
            code = f"{account.owner_kind}:{account.bucket}"
        out[code] = account.balance_fen
    return out


def points_of(mall):
    return PointsAccount.objects.get(user=mall["buyer"], merchant=mall["merchant"]).balance


def test_a_merchant_funded_coupon_lowers_the_merchants_share_and_is_its_marketing_cost(mall):
    order = buy(mall, 2, coupon=coupon(mall, 5000, "merchant"))

    # L 200.00, P 150.00: supplier C 80.00 in full; fee 5% of P 7.50; rewards × P/L = 0.75:
    # direct 60% × 50.00 pool → 22.50, team 40% → 15.00 (cap 30% of P = 45.00);
    # merchant 150.00 − 80.00 − 7.50 − 37.50 = 25.00
    assert order.total_fen == 15000
    assert ledger(mall) == {
        "supplier:pending": 8000, "platform:pending": 750, "promoter:R:pending": 2250, "promoter:A:pending": 1500,
        "merchant:pending": 2500,
        "merchant:marketing": -5000, "discounts:marketing": 5000,
        "gateway:cash": -15000,
    }
    assert marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=mall["merchant"].pk) == 5000
    assert marketing_cost(owner_kind=OwnerKind.PLATFORM, owner_id=0) == 0
    assert ledger_verify().ok


def test_a_platform_funded_coupon_is_paid_into_the_line_by_the_platform(mall):
    buy(mall, 2, coupon=coupon(mall, 5000, "platform"))

    # Dp 50.00: fee 5% of P + Dp = 10.00, the platform's share 10.00 − 50.00; the merchant
    # 150.00 + 50.00 − 80.00 − 10.00 − 37.50 = 72.50; the supplier still 80.00
    assert ledger(mall) == {
        "supplier:pending": 8000, "platform:pending": -4000, "promoter:R:pending": 2250,
        "promoter:A:pending": 1500, "merchant:pending": 7250,
        "platform:marketing": -5000, "discounts:marketing": 5000,
        "gateway:cash": -15000,
    }
    assert marketing_cost(owner_kind=OwnerKind.PLATFORM, owner_id=0) == 5000
    assert marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=mall["merchant"].pk) == 0
    assert ledger_verify().ok


def test_settlement_makes_the_shares_available_and_leaves_the_marketing_memo(mall):
    order = buy(mall, 2, coupon=coupon(mall, 5000, "platform"))
    clock.freeze(clock.now() + timedelta(days=7))

    assert order_settle(order_id=order.pk) is True

    assert ledger(mall) == {
        "supplier:available": 8000, "platform:available": -4000, "promoter:R:available": 2250,
        "promoter:A:available": 1500, "merchant:available": 7250,
        "platform:marketing": -5000, "discounts:marketing": 5000,
        "gateway:cash": -15000,
    }
    assert ledger_verify().ok


def test_a_partial_refund_gives_back_what_the_units_paid_and_their_points(mall):
    points_grant(user=mall["buyer"], merchant=mall["merchant"], points=1000, key="gift", reason="注册")
    order = buy(mall, 3, coupon=coupon(mall, 1000, "platform"), points=100)
    line = order.lines.get()
    # P = 300.00 − 10.00 − 1.00 = 289.00 = 96.34 + 96.33 + 96.33: refunds take units from the end
    assert (line.paid_fen, line.coupon_fen, line.points_fen, points_of(mall)) == (28900, 1000, 100, 900)

    first = refund_create(actor=mall["operator"], order=order, lines=[(line.pk, 1)], reason="", idempotency_key="r1")

    assert first.amount_fen == 9633
    assert points_of(mall) == 933  # 100 points over 3 units: 34 + 33 + 33, the last unit's 33 back
    assert PointsEntry.objects.get(key=f"order:{order.pk}:points:refund:r1").delta == 33
    # two units left: P 192.67, Dp 6.67, points 0.67; fee 5% of 199.34 = 9.97, rewards on 192.67 / 200.00
    rewards = dict(Reward.objects.filter(order=order).values_list("kind", "amount_fen"))
    assert rewards == {"direct": 2890, "team": 1927}  # 30.00 and 20.00 × 0.96335, half up
    assert ledger(mall) == {
        "supplier:pending": 8000, "platform:pending": 997 - 667, "promoter:R:pending": 2890,
        "promoter:A:pending": 1927, "merchant:pending": 19267 + 667 - 8000 - 997 - 2890 - 1927,
        "merchant:marketing": -67, "platform:marketing": -667, "discounts:marketing": 734,
        "gateway:cash": -19267,
    }
    assert ledger_verify().ok

    second = refund_create(actor=mall["operator"], order=order, lines=[(line.pk, 1)], reason="", idempotency_key="r2")
    assert second.amount_fen == 9633
    assert points_of(mall) == 966


def test_a_full_refund_returns_exactly_p_its_points_and_zeroes_marketing_cost(mall):
    points_grant(user=mall["buyer"], merchant=mall["merchant"], points=1000, key="gift", reason="注册")
    order = buy(mall, 3, coupon=coupon(mall, 1000, "platform"), points=100)
    line = order.lines.get()
    refund_create(actor=mall["operator"], order=order, lines=[(line.pk, 1)], reason="", idempotency_key="r1")

    rest = refund_create(actor=mall["operator"], order=order, lines=None, reason="", idempotency_key="r2")

    order.refresh_from_db()
    line.refresh_from_db()
    assert rest.amount_fen == 28900 - 9633
    assert (order.refunded_fen, line.refunded_fen) == (28900, 28900)
    assert points_of(mall) == 1000
    assert marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=mall["merchant"].pk) == 0
    assert marketing_cost(owner_kind=OwnerKind.PLATFORM, owner_id=0) == 0
    assert ledger(mall) == {}
    assert ledger_verify().ok


def test_marketing_cost_counts_a_window(mall):
    start = clock.now()
    buy(mall, 1, coupon=coupon(mall, 1000, "merchant"))
    clock.freeze(start + timedelta(days=1))
    buy(mall, 1, coupon=coupon(mall, 2000, "merchant"), token="t-2")

    merchant_id = mall["merchant"].pk
    assert marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=merchant_id) == 3000
    assert marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=merchant_id, until=start + timedelta(hours=1)) == 1000
    assert marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=merchant_id, since=start + timedelta(hours=1)) == 2000
    assert LedgerAccount.objects.get(owner_kind=OwnerKind.DISCOUNTS, bucket=Bucket.MARKETING).balance_fen == 3000


def test_rewards_on_a_discounted_line_are_scaled_by_p_over_l_before_the_cap():
    plan = Plan.parse({"profile": "sales"})  # direct 60% and team 40% of the pool, cap 30% of the price
    both = Recipients(direct=1, team=2, peer=None)

    undiscounted = line_reward_amounts(plan, both, quantity=2, unit_price_fen=10000, unit_pool_fen=5000)
    same = line_reward_amounts(plan, both, quantity=2, unit_price_fen=10000, unit_pool_fen=5000, paid_fen=20000)
    discounted = line_reward_amounts(plan, both, quantity=2, unit_price_fen=10000, unit_pool_fen=5000,
                                     paid_fen=15001)

    # 10 000 pool: direct 6 000, team 4 000, cut by the cap of 30% of 200.00 = 6 000
    assert undiscounted == same == {"direct": 6000, "team": 0, "peer": 0}
    # × 15 001 / 20 000: direct 4 500.3 → 4 500, team 3 000.2 → 3 000; the cap is 30% of P = 4 500.30 → 4 500
    assert discounted == {"direct": 4500, "team": 0, "peer": 0}
    # a lower pool leaves room under the cap: 4 000 pool → direct 2 400 × 0.75005 = 1 800.12 → 1 800,
    # team 1 600 × 0.75005 = 1 200.08 → 1 200
    assert line_reward_amounts(plan, both, quantity=2, unit_price_fen=10000, unit_pool_fen=2000,
                               paid_fen=15001) == {"direct": 1800, "team": 1200, "peer": 0}
    # half up, per reward: a fixed 0.03 on a line paid half of its list price is 0.015 → 0.02
    fixed = Plan.parse({"profile": "classic", "direct": "0.03"})
    assert line_reward_amounts(fixed, Recipients(direct=1, team=None, peer=None), quantity=1, unit_price_fen=2,
                               unit_pool_fen=0, paid_fen=1) == {"direct": 2, "team": 0, "peer": 0}


@pytest.mark.parametrize("pays_rewards", [False, True])
def test_a_flash_sale_line_pays_referral_rewards_only_when_the_sale_says_so(mall, pays_rewards):
    """campaigns.md §3: an activity's line pays no reward unless the activity says so, and then × P / L."""
    from linkmall.campaigns.services.flash import FlashSaleFields, flash_sale_create
    from linkmall.orders.flash import flash_attempt

    start = clock.now() + timedelta(minutes=1)
    sale = flash_sale_create(actor=t.make_merchant_owner(mall["merchant"]), merchant=mall["merchant"],
                             fields=FlashSaleFields(listing_id=mall["listing"].pk, name="秒杀", starts_at=start,
                                                    ends_at=start + timedelta(hours=1), price_fen=6000, stock=5,
                                                    rewards=pays_rewards))
    clock.freeze(start + timedelta(minutes=1))
    order = flash_attempt(buyer=mall["buyer"], sale_id=sale.pk, address=mall["address"], client_token="flash-1")
    pay(order)

    line = order.lines.get()
    assert (line.activity_kind, line.activity_rewards, line.activity_fen, line.paid_fen) == (
        "flash", pays_rewards, 6000, 6000)
    rewards = dict(Reward.objects.filter(order=order).values_list("kind", "amount_fen"))
    if not pays_rewards:
        assert rewards == {}
    else:
        plan = Plan.parse({"profile": "sales", "basis": "paid", "platform_fee": "5%"})
        recipients = Recipients(direct=mall["referrer"].pk, team=mall["boss"].pk, peer=None)
        due = line_reward_amounts(plan, recipients, quantity=1, unit_price_fen=PRICE, unit_pool_fen=2500,
                                  paid_fen=6000)
        assert rewards == {kind: amount for kind, amount in due.items() if amount > 0} and rewards
    assert ledger_verify().ok
