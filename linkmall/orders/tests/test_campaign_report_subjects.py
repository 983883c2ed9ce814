"""The reports of share-to-get and invite campaigns (`orders.campaign_subjects`): which coupons and
orders are theirs, their cost (a coupon's discount, a gift's supplier cost C by its funder, as the
ledger books it) and their new customers. Orders go through the real services and the sandbox."""

from datetime import timedelta
from decimal import Decimal

import pytest

from linkmall import testing
from linkmall.campaigns.models import Coupon, CouponTemplate, ShareCampaign
from linkmall.campaigns.services import coupon_issue
from linkmall.campaigns.services import invites as invites
from linkmall.campaigns.services.sharing import share_claim
from linkmall.campaigns.tests.factories import T0, make_shop
from linkmall.campaigns.tests.test_sharing import make_share
from linkmall.core import clock
from linkmall.core.errors import NotFound
from linkmall.core.tasks import run_due
from linkmall.ledger.models import OwnerKind
from linkmall.ledger.selectors import marketing_cost
from linkmall.orders.campaign_reports import campaign_report
from linkmall.orders.models import Order
from linkmall.orders.services import order_place
from linkmall.payments.tests.helpers import pay
from linkmall.referral.graph import referral_bind
from linkmall.referral.invites import invite_campaign_move
from linkmall.referral.tests._money_world import SOAP_COST, assert_ledger_balances, mall_open, order_buy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(T0)
    yield
    clock.reset()


def numbers(row):
    return {"claims": row.claims, "uses": row.uses, "orders": row.orders, "revenue": row.revenue_fen,
            "merchant_cost": row.merchant_cost_fen, "platform_cost": row.platform_cost_fen, "new": row.new_customers,
            "per_new": row.cost_per_new_customer_fen}


def report(owner, kind, campaign_id):
    day = clock.today()
    return campaign_report(actor=owner, kind=kind, campaign_id=campaign_id, date_from=day - timedelta(days=29),
                           date_to=day)


def test_the_share_report_counts_the_friend_and_reward_coupons_their_orders_and_new_friends():
    shop = make_shop()
    sharer, tokens = shop.buyer, iter(range(100))

    def buy(buyer, coupon=None):
        order = order_place(buyer=buyer, merchant=shop.merchant, lines=[(shop.listings[0].pk, 1)],
                            address=testing.make_address(buyer), client_token=f"t-{next(tokens)}",
                            coupon_id=coupon.pk if coupon else None)
        pay(order)
        return order

    buy(sharer)  # the sharer bought before: their reward order is not a new customer's
    campaign = make_share(shop, friends_needed=1, max_rewards=2)
    # another campaign giving the same friend coupon: its claims and orders are not this one's
    other = ShareCampaign.objects.create(merchant=shop.merchant, name="另一个", friend_template=campaign.friend_template,
                                         reward_template=campaign.reward_template, friends_needed=5, status="active",
                                         starts_at=campaign.starts_at)
    friends = [testing.make_consumer() for _ in range(3)]
    claims = [share_claim(friend=f, campaign_id=campaign.pk, sharer_id=sharer.pk) for f in friends[:2]]
    elsewhere = share_claim(friend=friends[2], campaign_id=other.pk, sharer_id=sharer.pk)
    clock.advance(timedelta(days=1))
    buy(friends[0], claims[0].coupon)  # 99.00 − 5.00, the friend's first order
    buy(friends[2], elsewhere.coupon)
    reward = Coupon.objects.filter(user=sharer, template=campaign.reward_template).order_by("pk").first()
    buy(sharer, reward)  # 99.00 − 20.00

    numbers_ = numbers(report(shop.owner, "share", campaign.pk).total)

    # 2 friend coupons + 2 rewards (one per friend, up to 2); friend 2 never bought
    assert numbers_ == {"claims": {"share": 4}, "uses": 2, "orders": 2, "revenue": 9400 + 7900,
                        "merchant_cost": 500 + 2000, "platform_cost": 0, "new": 1, "per_new": 2500}
    assert numbers(report(shop.owner, "share", other.pk).total)["orders"] == 1
    result = report(shop.owner, "share", campaign.pk)
    assert (result.subject.kind, result.subject.name, result.subject.label) == (
        "share", "分享领券", "无门槛减5元 · 每 1 位好友领券，你得 无门槛减20元（最多 2 次）")


def test_another_merchants_share_or_invite_campaign_is_not_found():
    shop, stranger = make_shop(), make_shop()
    campaign = make_share(shop)
    for kind in ("share", "invite"):
        with pytest.raises(NotFound):
            report(stranger.owner, kind, campaign.pk)
    with pytest.raises(NotFound):
        report(shop.owner, "share", campaign.pk + 1000)


def test_the_invite_report_counts_its_prize_coupons_their_orders_and_the_gift_at_its_supplier_cost():
    mall = mall_open(profile="sales")
    owner, inviter = testing.make_merchant_owner(mall.merchant), testing.make_consumer()
    testing.make_address(inviter)
    template = CouponTemplate.objects.create(
        merchant=mall.merchant, name="邀请礼10元券", kind="amount", value=Decimal(1000), total=100,
        per_user_limit=5, valid_days=30, sources=["invite"], status="active")
    campaign = invites.invite_campaign_create(
        actor=owner, merchant=mall.merchant, name="邀好友得口红",
        tiers=[{"invitees": 1, "prize_kind": "coupon", "coupon_template_id": template.pk},
               {"invitees": 2, "prize_kind": "gift", "gift_listing_id": mall.soap.pk, "funder": "merchant"}])
    invite_campaign_move(actor=owner, campaign_id=campaign.pk, status="active")
    for _ in range(2):
        invitee = testing.make_consumer()
        referral_bind(user=invitee, referrer=inviter, via="link")
        order_buy(mall, invitee, [(mall.soap, 1)])
    clock.advance(timedelta(days=8))
    run_due()  # both first orders settle: tier 1 gives the coupon, tier 2 places the gift order
    # a coupon of the same template that is not one of its prizes does not count
    coupon_issue(template=template, user=testing.make_consumer(), source="invite", key="elsewhere")
    prize_coupon = Coupon.objects.get(user=inviter)
    order_buy(mall, inviter, [(mall.soap, 1)], coupon_id=prize_coupon.pk)  # 99.00 − 10.00, their first purchase

    result = report(owner, "invite", campaign.pk)

    assert Order.objects.filter(kind="gift", buyer=inviter).count() == 1
    # the gift order is one of its orders: revenue 0, cost C to the merchant; it is not a purchase,
    # so the coupon order is the inviter's first and the inviter is a new customer
    assert numbers(result.total) == {"claims": {"invite": 1}, "uses": 1, "orders": 2, "revenue": 8900,
                                     "merchant_cost": 1000 + SOAP_COST, "platform_cost": 0, "new": 1,
                                     "per_new": 1000 + SOAP_COST}
    # the same cost as the ledger's marketing memo of the merchant (nothing else was discounted)
    assert marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=mall.merchant.pk) == 1000 + SOAP_COST
    assert result.subject.label == f"1 人：邀请礼10元券；2 人：{mall.soap.product.name}"
    assert_ledger_balances()


def test_the_share_and_invite_consoles_link_each_campaign_to_its_report_page(client):
    shop = make_shop()
    campaign = make_share(shop)
    invite = invites.invite_campaign_create(
        actor=shop.owner, merchant=shop.merchant, name="邀好友",
        tiers=[{"invitees": 1, "prize_kind": "coupon",
                "coupon_template_id": CouponTemplate.objects.create(
                    merchant=shop.merchant, name="邀请券", kind="amount", value=Decimal(1000), total=10,
                    valid_days=30, sources=["invite"], status="active").pk}])
    client.force_login(shop.owner)
    share_url = f"/console/merchant/campaigns/share/{campaign.pk}/report/"
    invite_url = f"/console/merchant/campaigns/invite/{invite.pk}/report/"

    assert f'href="{share_url}"' in client.get("/console/merchant/campaigns/share/").content.decode()
    assert f'href="{invite_url}"' in client.get("/console/merchant/invites/").content.decode()
    page = client.get(share_url).content.decode()
    assert "分享领券" in page and 'href="/console/merchant/campaigns/share/" id="report-back"' in page
    assert 'href="/console/merchant/invites/" id="report-back"' in client.get(invite_url).content.decode()
    assert client.get(f"/console/merchant/campaigns/share/{campaign.pk + 1000}/report/").status_code == 404
