"""Two invitees of one inviter settling at once: both count and the tier they reach is awarded once."""

from decimal import Decimal

import pytest

from linkmall import testing as t
from linkmall.campaigns.models import CouponTemplate, InviteCredit, InvitePrize
from linkmall.campaigns.services import invites as invites
from linkmall.core import clock
from linkmall.referral.invites import invite_campaign_move
from linkmall.testing import outcomes, race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.row_locks
def test_two_invitees_settling_at_once_reach_the_tier_once():
    merchant = t.make_merchant()
    owner = t.make_merchant_owner(merchant)
    product = t.make_product(t.make_supplier(), cost_fen=5000, price_fen=9900)
    t.make_listing(merchant, product.skus.get(), price_fen=9900)
    template = CouponTemplate.objects.create(merchant=merchant, name="邀请礼", kind="amount", value=Decimal(500),
                                             total=10, per_user_limit=5, valid_days=7, sources=["invite"],
                                             status="active")
    campaign = invites.invite_campaign_create(
        actor=owner, merchant=merchant, name="邀3得券",
        tiers=[{"invitees": 3, "prize_kind": "coupon", "coupon_template_id": template.pk}])
    invite_campaign_move(actor=owner, campaign_id=campaign.pk, status="active")
    inviter = t.make_consumer()
    invitees = [t.make_consumer() for _ in range(3)]

    def settle(i: int) -> int:
        return len(invites.invite_order_settled(
            merchant_id=merchant.pk, inviter_id=inviter.pk, invitee_id=invitees[i].pk, order_ref=f"order:{i}",
            placed_at=clock.now(), product_ids=[product.pk]))

    assert settle(0) == 0
    results = outcomes(race(lambda: settle(1), lambda: settle(2)))

    # without the campaign's row lock each would count 2 of 3 and neither would reach the tier
    assert sorted(results) == [0, 1]
    assert InviteCredit.objects.filter(campaign=campaign, status="counted").count() == 3
    prize = InvitePrize.objects.get(campaign=campaign)
    assert (prize.inviter_id, prize.tier.invitees, prize.status) == (inviter.pk, 3, "issued")
    assert CouponTemplate.objects.get(pk=template.pk).issued == 1
