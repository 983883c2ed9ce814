"""The pages: 我的优惠券 with its tabs, a merchant's claim centre, and the merchant console."""

from datetime import timedelta

import pytest
from django.urls import reverse

from linkmall import testing
from linkmall.campaigns.models import Coupon, CouponTemplate, Promotion
from linkmall.campaigns.services import coupon_claim
from linkmall.campaigns.tests.factories import make_promotion, make_returning, make_template
from linkmall.core import clock

pytestmark = pytest.mark.django_db


def test_the_wallet_shows_each_tab_and_needs_a_consumer(client, shop, django_assert_num_queries):
    template = make_template(shop.merchant, name="满100减10", value=1000, threshold_fen=10000, per_user_limit=3)
    usable, used, expired = (coupon_claim(user=shop.buyer, template_id=template.pk) for _ in range(3))
    Coupon.objects.filter(pk=used.pk).update(status="used", used_at=clock.now())
    Coupon.objects.filter(pk=expired.pk).update(status="expired")
    url = reverse("campaigns:wallet")

    assert client.get(url).status_code == 302  # to the phone login
    client.force_login(shop.buyer)
    with django_assert_num_queries(4):  # session, user, count, the page of coupons
        page = client.get(url)
    used_tab = client.get(url, {"tab": "used"})
    expired_tab = client.get(url, {"tab": "expired"})

    assert page.status_code == 200
    assert f'id="coupon-{usable.pk}"' in page.text and "满100元减10元" in page.text
    assert f'id="coupon-{used.pk}"' not in page.text
    assert f'id="coupon-{used.pk}"' in used_tab.text and f'id="coupon-{usable.pk}"' not in used_tab.text
    assert f'id="coupon-{expired.pk}"' in expired_tab.text
    client.force_login(shop.owner)
    assert client.get(url).status_code == 403


def test_anyone_sees_the_claim_centre_and_a_consumer_claims_there(client, shop):
    template = make_template(shop.merchant, name="新人券")
    url = reverse("campaigns:claim_centre", args=[shop.merchant.pk])

    visitor = client.get(url)
    anonymous_post = client.post(url, {"template_id": template.pk, "next": url})
    client.force_login(shop.buyer)
    claimed = client.post(url, {"template_id": template.pk}, follow=True)
    again = client.post(url, {"template_id": template.pk}, follow=True)

    assert visitor.status_code == 200 and "新人券" in visitor.text and "立即领取" in visitor.text
    assert anonymous_post.status_code == 302 and "login" in anonymous_post["Location"]
    assert "领取成功" in claimed.text and "已领取" in claimed.text
    assert "已达到每人限领数量。" in again.text
    assert Coupon.objects.filter(user=shop.buyer).count() == 1


def test_a_template_of_another_merchant_cannot_be_claimed_on_this_page(client, shop):
    theirs = make_template(testing.make_merchant())
    client.force_login(shop.buyer)

    response = client.post(reverse("campaigns:claim_centre", args=[shop.merchant.pk]), {"template_id": theirs.pk},
                           follow=True)

    assert "没有找到这张优惠券。" in response.text
    assert Coupon.objects.count() == 0


def test_an_unknown_merchant_has_no_claim_centre(client):
    assert client.get(reverse("campaigns:claim_centre", args=[999999])).status_code == 404


def test_the_console_lists_the_merchants_own_campaigns(client, shop, django_assert_num_queries):
    mine = make_promotion(shop.merchant, name="满100减10")
    template = make_template(shop.merchant, name="新人券")
    make_promotion(testing.make_merchant(), name="别人的活动")
    client.force_login(shop.owner)

    with django_assert_num_queries(4):  # session, user, promotions, templates
        page = client.get(reverse("campaigns:console"))

    assert page.status_code == 200
    assert f'id="promotion-{mine.pk}"' in page.text and f'id="template-{template.pk}"' in page.text
    assert "别人的活动" not in page.text


def test_the_owner_creates_a_promotion_and_a_coupon_on_the_console(client, shop):
    client.force_login(shop.owner)

    promotion = client.post(reverse("campaigns:promotion_new"), {
        "name": "满299减50", "kind": "amount", "amount": "50", "threshold": "299", "scope_kind": "all"})
    template = client.post(reverse("campaigns:template_new"), {
        "name": "新人券", "kind": "percent", "percent": "10", "scope_kind": "all", "total": "100",
        "per_user_limit": "1", "valid_days": "7", "sources": ["claim", "guide"]})

    assert (promotion.status_code, template.status_code) == (302, 302)
    assert Promotion.objects.values_list("name", "value", "threshold_fen", "status").get() == (
        "满299减50", 5000, 29900, "draft")
    created = CouponTemplate.objects.get()
    assert (created.kind, created.value, created.valid_days, created.sources) == ("percent", 10, 7, ["claim", "guide"])


def test_a_refused_form_shows_why_and_creates_nothing(client, shop):
    client.force_login(shop.owner)

    below_cost = client.post(reverse("campaigns:promotion_new"), {
        "name": "清仓", "kind": "amount", "amount": "60", "scope_kind": "all"})
    no_validity = client.post(reverse("campaigns:template_new"), {
        "name": "券", "kind": "amount", "amount": "5", "scope_kind": "all", "total": "10", "per_user_limit": "1",
        "sources": ["claim"]})

    assert below_cost.status_code == no_validity.status_code == 400
    assert "优惠后最低售价 ¥39.00 低于供货成本 ¥50.00" in below_cost.text
    assert "valid_until" in no_validity.text
    assert Promotion.objects.count() == CouponTemplate.objects.count() == 0


def test_the_owner_starts_pauses_and_ends_from_the_console(client, shop):
    promotion = make_promotion(shop.merchant, status="draft", starts_at=clock.now() + timedelta(days=1))
    template = make_template(shop.merchant)
    client.force_login(shop.owner)

    for status in ("active", "paused"):
        client.post(reverse("campaigns:promotion_status", args=[promotion.pk]), {"status": status})
    client.post(reverse("campaigns:template_status", args=[template.pk]), {"status": "ended"})
    refused = client.post(reverse("campaigns:template_status", args=[template.pk]), {"status": "active"}, follow=True)

    assert Promotion.objects.get(pk=promotion.pk).status == "paused"
    assert CouponTemplate.objects.get(pk=template.pk).status == "ended"
    assert "活动状态已变化" in refused.text


def test_another_merchants_campaigns_answer_404_on_the_console(client, shop):
    theirs = make_promotion(testing.make_merchant())
    their_template = make_template(theirs.merchant)
    client.force_login(shop.owner)

    assert client.post(reverse("campaigns:promotion_status", args=[theirs.pk]), {"status": "ended"}).status_code == 404
    assert client.post(reverse("campaigns:template_status", args=[their_template.pk]),
                       {"status": "ended"}).status_code == 404
    assert Promotion.objects.get(pk=theirs.pk).status == "active"


@pytest.mark.parametrize("page", ["campaigns:claim_centre", "campaigns:shop_offers"])
def test_a_new_customer_coupon_is_tagged_and_disabled_for_a_customer_who_bought(client, shop, page):
    template = make_template(shop.merchant, name="新客见面礼", sources=["new_customer"])
    url = reverse(page, args=[shop.merchant.pk])
    claim_form = f'name="template_id" value="{template.pk}"'

    visitor = client.get(url)
    client.force_login(make_returning(shop.merchant))
    theirs = client.get(url)

    assert claim_form in visitor.text and "新人专享" in visitor.text and "仅限新客" not in visitor.text
    assert claim_form not in theirs.text and "新人专享" in theirs.text
    assert '<button class="btn btn-small" type="button" disabled>仅限新客</button>' in theirs.text


def test_the_claim_centre_gives_a_new_customer_coupon_only_to_a_new_customer(client, shop):
    template = make_template(shop.merchant, sources=["new_customer"])
    url = reverse("campaigns:claim_centre", args=[shop.merchant.pk])

    client.force_login(make_returning(shop.merchant))
    refused = client.post(url, {"template_id": template.pk}, follow=True)
    client.force_login(shop.buyer)
    claimed = client.post(url, {"template_id": template.pk}, follow=True)

    assert "这张优惠券仅限新客领取，你已经在本店下过单了。" in refused.text
    assert "领取成功" in claimed.text
    assert list(Coupon.objects.values_list("user_id", "source")) == [(shop.buyer.pk, "new_customer")]
    assert CouponTemplate.objects.get(pk=template.pk).issued == 1
