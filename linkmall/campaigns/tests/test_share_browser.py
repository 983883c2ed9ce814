"""Share-to-get in Chromium, three phones: a customer shares a guide's card; a new visitor opens it,
logs in by SMS, claims the friend's 5 元 coupon, signs in for points and buys with both, paid in the
sandbox cashier; the sharer sees the friend and the reward coupon; the merchant's report of the
campaign shows its cost and the new customer.

The report's cost is what the campaign funded: the friend coupon's 5.00 on the order. The points
spent are the loyalty programme's, not the campaign's, and the reward coupon costs nothing until it
is used."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache

from linkmall import testing
from linkmall.accounts.sms import LogSmsBackend
from linkmall.campaigns.models import Coupon, LoyaltySettings, PointsAccount, ShareCampaign, ShareClaim
from linkmall.campaigns.tests.factories import make_template
from linkmall.cards.models import Card
from linkmall.core import clock
from linkmall.core.tasks import run_due
from linkmall.orders.models import Order
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHARER_PHONE, FRIEND_PHONE = "13912345011", "13912345012"


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    merchant = testing.make_merchant("湖滨美妆")
    store = testing.make_store(merchant, name="湖滨银泰店")
    guide = testing.make_guide(store)
    guide.user.display_name = "王小美"
    guide.user.save()
    supplier, beauty = testing.make_supplier("花西子工厂"), testing.make_category("美妆")
    lipstick = testing.make_product(supplier, name="丝绒口红", category=beauty, cost_fen=3000, price_fen=12900)
    testing.make_listing(merchant, lipstick.skus.get())
    card = Card.objects.create(guide=guide, headline="资深美妆顾问 · 8 年", bio="帮你挑到最适合的口红色号。")
    card.featured.add(lipstick)
    # a daily sign-in worth 5.00 of points (1 point = 1 fen)
    LoyaltySettings.objects.create(merchant=merchant, signin_points=500, signin_bonuses={})
    friend = make_template(merchant, name="好友5元券", sources=["share"])
    reward = make_template(merchant, name="分享奖励20元", value=Decimal(2000), sources=["share"])
    campaign = ShareCampaign.objects.create(merchant=merchant, name="好友分享领券", friend_template=friend,
                                            reward_template=reward, friends_needed=1, mode="claims", max_rewards=1,
                                            status="active", starts_at=clock.now())
    sharer = testing.make_consumer(SHARER_PHONE)
    owner = testing.make_merchant_owner(merchant)
    yield merchant, store, guide, lipstick, campaign, sharer, owner
    cache.clear()


def sms_login(page, phone):
    page.fill("#id_phone", phone)
    page.click("#send-code")
    page.wait_for_selector(".msg-success")
    page.fill("#id_code", LogSmsBackend.last_code_for(phone))
    page.click("button[value=login]")


def text(page, selector):
    return re.sub(r"\s+", " ", page.text_content(selector) or "").strip()


def test_a_new_visitor_claims_a_friends_coupon_from_the_shared_card_and_buys_with_it_and_points(
        live_server, playwright, tmp_path, world):
    merchant, store, guide, lipstick, campaign, sharer, owner = world
    LogSmsBackend.clear()
    base = live_server.url
    shots = Screenshots(screenshot_dir(tmp_path))
    with phone_browser(playwright, tmp_path / "sharer") as mine, \
            phone_browser(playwright, tmp_path / "friend") as page, \
            phone_browser(playwright, tmp_path / "owner") as console:
        # 1. the sharer logs in and opens the guide's card: it invites them to share; the link has their code
        mine.goto(f"{base}/login/?next=/card/{guide.pk}/")
        sms_login(mine, SHARER_PHONE)
        mine.wait_for_selector("#share-offer")
        assert text(mine, "#share-offer h2") == "分享领券"
        share_url = mine.input_value(".bc-share-url")
        assert f"/card/{guide.pk}/?" in share_url and "ref=" in share_url
        shots(mine, "share-sharer-card", show="#share-offer")

        # 2. a new visitor opens the shared card on another phone: the friend's offer leads to the landing
        page.goto(share_url)
        page.wait_for_selector("#lm-consent:not([hidden])")
        page.click("#lm-consent [data-consent=yes]")
        page.wait_for_selector("#share-offer-claim")
        assert text(page, "#share-offer h2") == "好友送你优惠券"
        assert "无门槛减5元" in text(page, "#share-offer")
        shots(page, "share-friend-card", show="#share-offer")
        page.click("#share-offer-claim")
        page.wait_for_selector("#share-claim-form")
        assert text(page, "#share-friend-offer") == "无门槛减5元"
        shots(page, "share-landing")

        # 3. claiming needs an account: an SMS login on the way, back to the landing, then claim
        page.click("#share-claim-form button")
        sms_login(page, FRIEND_PHONE)
        page.wait_for_selector("#share-claim-form")
        page.click("#share-claim-form button")
        page.wait_for_selector(".msg-success")
        claim = ShareClaim.objects.get(campaign=campaign)
        assert (claim.sharer_id, claim.friend.phone, claim.coupon.status) == (sharer.pk, FRIEND_PHONE, "available")
        assert claim.device_key != ""
        shots(page, "share-claimed")

        # 4. the daily sign-in on the shop's points page gives 500 points
        page.goto(f"{base}/shop/{merchant.pk}/points/")
        page.click("#signin button[type=submit]")
        page.wait_for_selector("#signin .badge")
        assert PointsAccount.objects.get(user=claim.friend, merchant=merchant).balance == 500
        shots(page, "share-points")

        # 5. the lipstick into the cart, then checkout with the friend coupon and the points
        page.goto(f"{base}/s/{store.pk}/p/{lipstick.pk}/")
        page.click("button[value=cart]")
        page.goto(f"{base}/cart/")
        page.click("text=去结算")
        page.click("text=新增收货地址")
        page.fill("#id_recipient", "李女士")
        page.fill("#id_phone", "13800002222")
        page.fill("#id_province", "浙江省")
        page.fill("#id_city", "杭州市")
        page.fill("#id_district", "西湖区")
        page.fill("#id_detail", "文三路 200 号")
        page.click("text=保存并使用")
        page.wait_for_selector("#checkout-coupon-off")  # the best coupon is chosen for the buyer
        page.fill("#checkout-points", "500")
        page.click("#reprice-button")
        page.wait_for_selector("#checkout-points-off")
        assert text(page, "#checkout-coupon-off span:last-child") == "−¥5.00"
        assert (text(page, "#checkout-points-off span:first-child"), text(page, "#checkout-points-off span:last-child")) == (
            "积分抵扣（500 积分）", "−¥5.00")
        assert text(page, "#checkout-payable") == "119.00"
        shots(page, "share-checkout", show="#checkout-totals")
        page.click("#place-order")
        page.click("#pay")
        page.click("text=确认支付")
        page.wait_for_selector("text=支付成功")
        run_due()  # the payment notification, then what follows it
        run_due()
        order = Order.objects.get(buyer=claim.friend)
        assert (order.status, order.total_fen, order.coupon_id, order.points_used) == (
            Order.Status.PAID, 11900, claim.coupon_id, 500)

        # 6. the order page shows the breakdown
        page.goto(f"{base}/orders/{order.number}/")
        assert text(page, "#order-coupon span:last-child") == "−¥5.00"
        assert (text(page, "#order-points span:first-child"), text(page, "#order-points span:last-child")) == (
            "积分抵扣（500 积分）", "−¥5.00")
        shots(page, "share-order", show="#order-coupon")

        # 7. the sharer: one friend claimed, the reward earned and in the wallet
        mine.goto(f"{base}/me/shares/")
        section = f"#share-{campaign.pk}"
        assert (text(mine, f"{section} .share-claims"), text(mine, f"{section} .share-rewards")) == ("1", "1")
        assert text(mine, f"{section} .share-progress") == "已获得全部 1 张奖励券"
        shots(mine, "share-mine")
        reward = Coupon.objects.get(user=sharer, template=campaign.reward_template)
        assert (reward.source, reward.status) == ("share", "available")
        mine.goto(f"{base}/me/coupons/")
        assert "分享奖励20元" in text(mine, "main")
        shots(mine, "share-wallet")

        # 8. the merchant's owner opens the campaign's report from the share console
        console.goto(f"{base}/staff/login/")
        console.fill("#id_username", owner.username)
        console.fill("#id_password", "correct horse battery")
        console.click("main button[type=submit]")
        console.goto(f"{base}/console/merchant/campaigns/share/")
        shots(console, "share-console")
        console.click(f"#share-campaign-{campaign.pk} >> text=报表")
        console.wait_for_selector("#report-total")
        report = {key: text(console, f"#report-total dd[data-key={key}]")
                  for key in ("claims", "uses", "orders", "revenue", "cost", "new_customers",
                              "cost_per_new_customer")}
        # claims: the friend's coupon and the sharer's reward; cost: the friend coupon's 5.00
        assert report == {"claims": "2", "uses": "1", "orders": "1", "revenue": "¥119.00", "cost": "¥5.00",
                          "new_customers": "1", "cost_per_new_customer": "¥5.00"}
        assert text(console, "#campaign-name").startswith("好友分享领券")
        shots(console, "share-report")
        shots(console, "share-report-days", show="#report-days")
