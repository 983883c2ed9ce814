"""The share-to-get pages: a friend's landing (claim after the phone login), the checkout that takes the
claimed coupon, 我的分享 with the sharer's progress and poster, and the merchant console."""

import pytest
from django.urls import reverse

from linkmall import testing
from linkmall.accounts.sharecodes import share_code_for
from linkmall.campaigns.models import Coupon, ShareCampaign, ShareClaim
from linkmall.campaigns.selectors.sharing import share_path
from linkmall.campaigns.services.sharing import share_claim
from linkmall.campaigns.tests.factories import make_template
from linkmall.campaigns.tests.test_sharing import make_share
from linkmall.customers.models import ShareEdge
from linkmall.customers.tracking import VISITOR_COOKIE
from linkmall.referral.middleware import VISIT_COOKIE
from linkmall.referral.models import Promoter
from linkmall.web.tests.html import inputs

pytestmark = pytest.mark.django_db


def test_a_new_visitor_opens_the_link_logs_in_claims_and_checkout_takes_the_coupon(client, shop):
    campaign = make_share(shop, friends_needed=1)
    sharer = shop.buyer
    url = share_path(campaign=campaign, sharer_id=sharer.pk, via="poster")

    landing = client.get(url)

    assert landing.status_code == 200
    assert "无门槛减5元" in landing.text and 'id="share-claim-form"' in landing.text and "登录领取" in landing.text
    assert VISITOR_COOKIE in landing.cookies and VISIT_COOKIE in landing.cookies  # device and first touch
    to_login = client.post(url)
    assert to_login.status_code == 302 and "next=" in to_login["Location"]
    friend = testing.make_consumer()
    client.force_login(friend)
    claimed = client.post(url, follow=True)

    claim = ShareClaim.objects.get()
    assert (claim.sharer_id, claim.friend_id) == (sharer.pk, friend.pk)
    assert claim.device_key == client.cookies[VISITOR_COOKIE].value
    assert "领取成功" in claimed.text and 'id="share-state"' in claimed.text
    assert Promoter.objects.get(user=friend).referrer_id == sharer.pk  # first-touch binding by ?ref=
    assert ShareEdge.objects.get().recipient.key == claim.device_key
    # the sharer's reward is in their wallet; the friend's coupon is what checkout picks
    assert Coupon.objects.filter(user=sharer, template=campaign.reward_template).count() == 1
    checkout = client.get(f"{reverse('web:checkout')}?listing={shop.listings[0].pk}&quantity=1")
    assert checkout.status_code == 200
    assert [i["value"] for i in inputs(checkout.text, "coupon") if i.get("type") == "hidden"] == [str(claim.coupon_id)]


def test_the_landing_says_why_it_cannot_be_claimed(client, shop):
    campaign = make_share(shop)
    url = share_path(campaign=campaign, sharer_id=shop.buyer.pk)

    client.force_login(shop.buyer)
    own = client.get(url)
    assert "这是你自己的分享链接" in own.text and 'id="share-claim-form"' not in own.text
    refused = client.post(url, follow=True)
    assert "不能领取自己分享的优惠券" in refused.text
    friend = testing.make_consumer()
    client.force_login(friend)
    no_ref = client.get(reverse("campaigns:share_landing", args=[shop.merchant.pk, campaign.pk]))
    assert 'id="share-claim-form"' not in no_ref.text and "分享链接无效" in no_ref.text
    assert client.get(reverse("campaigns:share_landing", args=[shop.merchant.pk + 1, campaign.pk])).status_code == 404
    draft = make_share(shop, status="draft")
    assert client.get(reverse("campaigns:share_landing", args=[shop.merchant.pk, draft.pk])).status_code == 404
    assert ShareClaim.objects.count() == 0


def test_the_same_device_is_refused_on_the_page(client, shop):
    campaign = make_share(shop)
    url = share_path(campaign=campaign, sharer_id=shop.buyer.pk)
    client.get(url)
    client.force_login(testing.make_consumer())
    client.post(url)
    client.force_login(testing.make_consumer())  # another account on the same phone

    refused = client.post(url, follow=True)

    assert "这台设备已经领过本活动的好友券" in refused.text
    assert ShareClaim.objects.count() == 1


def test_my_shares_shows_the_progress_the_link_and_the_poster(client, shop, django_assert_max_num_queries):
    campaign = make_share(shop, friends_needed=3)
    share_claim(friend=testing.make_consumer(), campaign_id=campaign.pk, sharer_id=shop.buyer.pk)
    url = reverse("campaigns:my_shares")

    assert client.get(url).status_code == 302
    client.force_login(shop.buyer)
    with django_assert_max_num_queries(6):
        page = client.get(url)
    poster = client.get(reverse("campaigns:share_poster", args=[campaign.pk]))

    assert page.status_code == 200
    assert "再邀请 2 位好友领券即可获得 无门槛减20元" in page.text
    assert f"?ref={share_code_for(user_id=shop.buyer.pk)}&amp;via=link" in page.text
    assert (poster.status_code, poster["Content-Type"], poster.content[:8]) == (200, "image/png", b"\x89PNG\r\n\x1a\n")


def test_the_owner_creates_starts_and_exports_share_campaigns_in_the_console(client, shop):
    friend = make_template(shop.merchant, name="好友券", sources=["share"])
    reward = make_template(shop.merchant, name="奖励券", sources=["share"])
    client.force_login(shop.owner)

    console = client.get(reverse("campaigns:console"))
    assert reverse("campaigns:share_console") in console.text
    bad = client.post(reverse("campaigns:share_new"), {
        "name": "分享", "friend_template": friend.pk, "reward_template": friend.pk, "friends_needed": 2,
        "mode": "claims", "max_rewards": 1})
    assert bad.status_code == 400 and "奖励券和好友券请选择不同的优惠券" in bad.text
    created = client.post(reverse("campaigns:share_new"), {
        "name": "分享", "friend_template": friend.pk, "reward_template": reward.pk, "friends_needed": 2,
        "mode": "orders", "max_rewards": 1})
    assert created.status_code == 302
    campaign = ShareCampaign.objects.get()
    client.post(reverse("campaigns:share_status", args=[campaign.pk]), {"status": "active"})
    share_claim(friend=testing.make_consumer(), campaign_id=campaign.pk, sharer_id=shop.buyer.pk)
    listed = client.get(reverse("campaigns:share_console"))
    export = client.get(reverse("campaigns:share_export"))
    excel = client.get(reverse("campaigns:share_export"), {"format": "xlsx"})

    assert ShareCampaign.objects.get().status == "active"
    assert f'id="share-campaign-{campaign.pk}"' in listed.text
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[-1].split(",")[-4:] == ["1", "1", "0", "0"]
    assert excel["Content-Type"].startswith("application/vnd.openxmlformats")
    stranger = testing.make_merchant_owner(testing.make_merchant())
    client.force_login(stranger)
    assert client.post(reverse("campaigns:share_status", args=[campaign.pk]), {"status": "ended"}).status_code == 404
    client.force_login(shop.buyer)
    assert client.get(reverse("campaigns:share_console")).status_code == 403


def test_a_friends_shared_card_offers_the_friend_coupon(client, shop):
    store = testing.make_store(shop.merchant)
    guide = testing.make_guide(store)
    campaign = make_share(shop)
    ref = share_code_for(user_id=shop.buyer.pk)
    fragment = reverse("campaigns:card_share_offer", args=[shop.merchant.pk])

    card = client.get(reverse("cards:card", args=[guide.pk]), {"ref": ref, "via": "card"})
    offer = client.get(fragment, {"ref": ref})
    nobody = client.get(fragment)

    assert f'hx-get="{fragment}?ref={ref}"' in card.text
    assert 'id="share-offer-claim"' in offer.text
    assert share_path(campaign=campaign, sharer_id=shop.buyer.pk, via="card").replace("&", "&amp;") in offer.text
    assert nobody.content == b""
    client.force_login(shop.buyer)  # the sharer on their own card link is invited to share instead
    own = client.get(fragment, {"ref": ref})
    assert 'id="share-offer-claim"' not in own.text and reverse("campaigns:my_shares") in own.text
    campaign.status = "ended"
    campaign.save()
    assert client.get(fragment, {"ref": ref}).content == b""
