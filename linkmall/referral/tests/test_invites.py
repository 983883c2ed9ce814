"""Invite tiers (阶梯邀请) through real orders: credits on settled first orders, refunds, tier
prizes (a coupon and a gift order at P = 0 paid by its funder), and the compliance review."""

from datetime import timedelta
from decimal import Decimal

import pytest

from linkmall import testing as t
from linkmall.campaigns.models import Coupon, CouponTemplate, InviteCampaign, InviteCredit, InvitePrize
from linkmall.campaigns.services import invites as invites
from linkmall.core import clock
from linkmall.core.errors import Conflict
from linkmall.core.tasks import run_due
from linkmall.ledger.selectors import balance_of
from linkmall.orders.models import Order
from linkmall.payments.services import refund_create
from linkmall.referral.graph import referral_bind
from linkmall.referral.invites import invite_campaign_move, invite_gift_deliver, invite_prize_claim
from linkmall.referral.tests._money_world import SOAP_COST, assert_ledger_balances, mall_open, order_buy

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    mall = mall_open(profile="sales")
    owner = t.make_merchant_owner(mall.merchant)
    template = CouponTemplate.objects.create(
        merchant=mall.merchant, name="邀请礼10元券", kind="amount", value=Decimal(1000), total=100,
        per_user_limit=5, valid_days=30, sources=["invite"], status="active")
    inviter = t.make_consumer()
    return mall, owner, template, inviter


def _campaign(mall, owner, template, *, counts="first_order", product_ids=(), gift_funder="merchant"):
    campaign = invites.invite_campaign_create(
        actor=owner, merchant=mall.merchant, name="邀好友得口红", counts=counts, product_ids=list(product_ids),
        tiers=[{"invitees": 1, "prize_kind": "coupon", "coupon_template_id": template.pk},
               {"invitees": 2, "prize_kind": "gift", "gift_listing_id": mall.soap.pk, "funder": gift_funder}])
    return invite_campaign_move(actor=owner, campaign_id=campaign.pk, status="active")


def _invitee(inviter):
    invitee = t.make_consumer()
    referral_bind(user=invitee, referrer=inviter, via="link")
    return invitee


def _settle():
    clock.advance(timedelta(days=8))
    run_due()


def test_a_settled_first_order_credits_the_inviter_and_a_second_order_does_not(world):
    mall, owner, template, inviter = world
    campaign = _campaign(mall, owner, template)
    invitee = _invitee(inviter)
    first = order_buy(mall, invitee, [(mall.soap, 1)])
    assert InviteCredit.objects.count() == 0  # paid, not settled yet
    order_buy(mall, invitee, [(mall.soap, 1)])
    _settle()

    credit = InviteCredit.objects.get()
    assert (credit.campaign_id, credit.inviter_id, credit.invitee_id, credit.order_ref, credit.status) == (
        campaign.pk, inviter.pk, invitee.pk, f"order:{first.pk}", "counted")
    prize = InvitePrize.objects.get()
    assert (prize.tier.invitees, prize.status) == (1, "issued")
    assert Coupon.objects.get(user=inviter).source == "invite"


def test_a_buyer_bound_after_paying_and_an_unbound_buyer_do_not_count(world):
    mall, owner, template, inviter = world
    _campaign(mall, owner, template)
    late = t.make_consumer()
    order_buy(mall, late, [(mall.soap, 1)])
    referral_bind(user=late, referrer=inviter, via="link")
    order_buy(mall, t.make_consumer(), [(mall.soap, 1)])
    _settle()
    assert InviteCredit.objects.count() == 0 and InvitePrize.objects.count() == 0


def test_a_first_order_refunded_in_full_before_settlement_never_counts(world):
    mall, owner, template, inviter = world
    _campaign(mall, owner, template)
    invitee = _invitee(inviter)
    order = order_buy(mall, invitee, [(mall.soap, 1)])
    refund_create(actor=t.make_platform_user(), order=order, lines=None, reason="不想要了", idempotency_key="r1")
    run_due()
    _settle()
    assert InviteCredit.objects.count() == 0 and InvitePrize.objects.count() == 0


def test_a_refund_after_the_prize_keeps_the_prize_and_the_credit_stops_counting(world):
    mall, owner, template, inviter = world
    _campaign(mall, owner, template)
    invitee = _invitee(inviter)
    order = order_buy(mall, invitee, [(mall.soap, 1)])
    _settle()
    refund_create(actor=t.make_platform_user(), order=order, lines=None, reason="不想要了", idempotency_key="r1")
    run_due()

    assert InviteCredit.objects.get().status == "refunded"
    assert InvitePrize.objects.get().status == "issued"
    # the next friend is the first one counted again: tier 2 is not reached
    order_buy(mall, _invitee(inviter), [(mall.soap, 1)])
    _settle()
    assert InviteCredit.objects.filter(status="counted").count() == 1
    assert list(InvitePrize.objects.values_list("tier__invitees", flat=True)) == [1]


def test_the_gift_tier_ships_at_zero_and_the_merchant_pays_the_supplier_the_cost(world):
    mall, owner, template, inviter = world
    t.make_address(inviter)
    _campaign(mall, owner, template)
    for _ in range(2):
        order_buy(mall, _invitee(inviter), [(mall.soap, 1)])
    supplier_id = mall.soap.sku.supplier_id
    before_supplier = balance_of(owner_kind="supplier", owner_id=supplier_id, bucket="available")
    merchant_before = balance_of(owner_kind="merchant", owner_id=mall.merchant.pk, bucket="available")
    _settle()  # settles the two orders, then the gift task places the gift

    gift = Order.objects.get(kind="gift")
    prize = InvitePrize.objects.get(tier__invitees=2)
    assert (prize.status, prize.order_ref) == ("ordered", f"order:{gift.pk}")
    assert (gift.buyer_id, gift.status, gift.total_fen, gift.goods_fen) == (inviter.pk, "paid", 0, 0)
    line = gift.lines.get()
    assert (line.paid_fen, line.quantity, line.activity_funder, gift.fulfilments.get().status) == (
        0, 1, "merchant", "to_ship")
    assert gift.settlement.rewards_accrued_at is None
    # pending until the gift settles: supplier +C, merchant −C, marketing C
    assert balance_of(owner_kind="supplier", owner_id=supplier_id, bucket="pending") == SOAP_COST
    assert balance_of(owner_kind="merchant", owner_id=mall.merchant.pk, bucket="marketing") == -SOAP_COST
    _settle()
    assert balance_of(owner_kind="supplier", owner_id=supplier_id, bucket="available") - before_supplier == (
        3 * SOAP_COST)
    merchant_gain = balance_of(owner_kind="merchant", owner_id=mall.merchant.pk, bucket="available") - merchant_before
    # two sold soaps (99.00 − 50.00 − rewards 0: the invitees' referrer is a member) less the gift's cost
    assert merchant_gain == 2 * (9900 - SOAP_COST) - SOAP_COST
    assert_ledger_balances()
    # a second run of the task changes nothing
    assert invite_gift_deliver(prize_id=prize.pk) == "ordered"
    assert Order.objects.filter(kind="gift").count() == 1


def test_a_platform_funded_gift_is_paid_by_the_platform(world):
    mall, owner, template, inviter = world
    t.make_address(inviter)
    campaign = invites.invite_campaign_create(
        actor=t.make_platform_user(), merchant=mall.merchant, name="平台赠品",
        tiers=[{"invitees": 1, "prize_kind": "gift", "gift_listing_id": mall.soap.pk, "funder": "platform"}])
    invite_campaign_move(actor=owner, campaign_id=campaign.pk, status="active")
    order_buy(mall, _invitee(inviter), [(mall.soap, 1)])
    _settle()
    assert balance_of(owner_kind="platform", owner_id=0, bucket="marketing") == -SOAP_COST
    assert balance_of(owner_kind="platform", owner_id=0, bucket="pending") == -SOAP_COST
    assert_ledger_balances()


def test_without_an_address_the_gift_waits_until_the_inviter_picks_one(world):
    mall, owner, template, inviter = world
    _campaign(mall, owner, template)
    for _ in range(2):
        order_buy(mall, _invitee(inviter), [(mall.soap, 1)])
    _settle()
    prize = InvitePrize.objects.get(tier__invitees=2)
    assert prize.status == "to_claim" and not Order.objects.filter(kind="gift").exists()

    address = t.make_address(inviter)
    claimed = invite_prize_claim(user=inviter, prize_id=prize.pk, address_id=address.pk)
    assert claimed.status == "ordered"
    with pytest.raises(Conflict) as exc:
        invite_prize_claim(user=inviter, prize_id=prize.pk, address_id=address.pk)
    assert exc.value.code == "invite_prize_not_claimable"
    assert Order.objects.filter(kind="gift").count() == 1
    assert_ledger_balances()


def test_tier_prizes_are_awarded_once_when_facts_repeat(world):
    mall, owner, template, inviter = world
    campaign = _campaign(mall, owner, template)
    invitee = t.make_consumer()
    facts = {"merchant_id": mall.merchant.pk, "inviter_id": inviter.pk, "invitee_id": invitee.pk,
             "order_ref": "order:1", "placed_at": clock.now(), "product_ids": [mall.soap.product_id]}
    assert len(invites.invite_order_settled(**facts)) == 1
    assert invites.invite_order_settled(**facts) == []
    assert InvitePrize.objects.filter(campaign=campaign).count() == 1
    assert CouponTemplate.objects.get(pk=template.pk).issued == 1


def test_a_campaign_counting_a_2_1_package_is_refused_as_headcount_pay(world):
    mall, owner, template, inviter = world
    campaign = invites.invite_campaign_create(
        actor=owner, merchant=mall.merchant, name="买礼包邀好友", counts="products",
        product_ids=[mall.gift.product_id],
        tiers=[{"invitees": 3, "prize_kind": "coupon", "coupon_template_id": template.pk}])
    with pytest.raises(Conflict) as exc:
        invite_campaign_move(actor=owner, campaign_id=campaign.pk, status="active")
    assert exc.value.code == "invite_headcount_pay"
    assert exc.value.detail["risks"][0]["code"] == "invite_headcount_pay"
    assert InviteCampaign.objects.get(pk=campaign.pk).status == "draft"
    # counting any first order is a warning kept on the campaign, not a refusal
    other = _campaign(mall, owner, template)
    assert [r["code"] for r in other.compliance] == ["invite_counts_package_orders"]


def test_tiers_must_increase_and_prizes_belong_to_the_merchant(world):
    mall, owner, template, inviter = world
    other = t.make_merchant()
    foreign = CouponTemplate.objects.create(merchant=other, name="x", kind="amount", value=Decimal(100), total=1,
                                            valid_days=1, sources=["invite"], status="active")
    with pytest.raises(Exception) as exc:
        invites.invite_campaign_create(
            actor=owner, merchant=mall.merchant, name="坏阶梯",
            tiers=[{"invitees": 5, "prize_kind": "coupon", "coupon_template_id": template.pk},
                   {"invitees": 5, "prize_kind": "coupon", "coupon_template_id": foreign.pk}])
    assert exc.value.code == "invalid_input"
    assert set(exc.value.detail["fields"]) == {"tiers.2.invitees", "tiers.2.coupon_template_id"}
    assert InviteCampaign.objects.count() == 0
