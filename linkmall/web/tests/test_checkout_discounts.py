"""The checkout and order pages with campaigns (docs/specs/campaigns.md §1): the best coupon is
chosen for the buyer, points can be spent, each discount is shown, and what the page shows is
what the order is placed with."""

from decimal import Decimal

import pytest
from django.urls import reverse

from linkmall.campaigns.models import Coupon
from linkmall.campaigns.services import coupon_claim, points_grant
from linkmall.campaigns.tests.factories import make_promotion, make_template
from linkmall.orders.models import CartLine, Order
from linkmall.web.tests.html import inputs, text_of, texts_by_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart(consumer, mall):
    """2 × lipstick at 99.00 and one tea at 168.00: 366.00."""
    return [
        CartLine.objects.create(user=consumer, listing=mall.lipstick_red, quantity=2),
        CartLine.objects.create(user=consumer, listing=mall.tea_listing, quantity=1),
    ]


@pytest.fixture
def offers(consumer, mall):
    """满300减20 by the shop; coupons of 10.00 and of 30.00 over 300.00; 20.00 of points."""
    make_promotion(mall.merchant, name="满300减20", value=Decimal(2000), threshold_fen=30000)
    small = coupon_claim(user=consumer, template_id=make_template(mall.merchant, name="10元券", value=Decimal(1000)).pk)
    big = coupon_claim(user=consumer, template_id=make_template(
        mall.merchant, name="满300减30", value=Decimal(3000), threshold_fen=30000, funder="platform").pk)
    points_grant(user=consumer, merchant=mall.merchant, points=2000, key="gift", reason="注册")
    return small, big


def placed_with(html, name):
    """The values the order would be placed with: the checkout form's hidden fields."""
    return [i["value"] for i in inputs(html, name) if i.get("type") == "hidden"]


def checkout_url(mall, **params):
    query = "&".join(f"{k}={v}" for k, v in {"merchant": mall.merchant.pk, **params}.items())
    return f"{reverse('web:checkout')}?{query}"


def test_the_best_coupon_is_chosen_and_each_discount_is_shown(consumer_client, mall, cart, address, offers,
                                                              django_assert_num_queries):
    small, big = offers

    # session, user, cart lines, the price (an earlier paid order?, promotions, coupons, points), addresses
    with django_assert_num_queries(9):
        response = consumer_client.get(checkout_url(mall))

    html = response.text
    assert response.status_code == 200
    assert (placed_with(html, "coupon"), placed_with(html, "points")) == ([str(big.pk)], ["0"])
    assert text_of(html, "checkout-promotion") == "店铺优惠 −¥20.00"
    assert text_of(html, "checkout-coupon-off") == "优惠券 −¥30.00"
    assert texts_by_class(html, "grand") == ["应付 316.00"]
    assert "积分（共 2000，本单最多用 2000）" in html  # half of 316.00 is more than is held
    # each line shows its list price struck through and what it costs after the discounts: the tea's
    # share of the promotion is 9.18 and of the coupon 13.77 (in proportion to what it has left)
    assert text_of(html, f"checkout-line-{mall.tea_listing.pk}") == "¥168.00 优惠后 145.05"


def test_the_buyer_may_take_another_coupon_or_none_and_spend_points(consumer_client, mall, cart, address, offers):
    small, _ = offers

    response = consumer_client.get(checkout_url(mall, coupon=small.pk, points=1000))
    none = consumer_client.get(checkout_url(mall, coupon=0))

    assert texts_by_class(response.text, "grand") == ["应付 326.00"]
    assert text_of(response.text, "checkout-points-off") == "积分抵扣（1000 积分） −¥10.00"
    assert placed_with(response.text, "coupon") == [str(small.pk)]
    assert placed_with(response.text, "points") == ["1000"]
    assert texts_by_class(none.text, "grand") == ["应付 346.00"]
    assert placed_with(none.text, "coupon") == ["0"]


def test_more_points_than_held_are_explained_and_the_price_keeps_the_coupon(consumer_client, mall, cart, address,
                                                                           offers):
    _, big = offers

    response = consumer_client.get(checkout_url(mall, coupon=big.pk, points=5000))

    assert response.status_code == 200
    assert "积分不足。" in response.text
    assert texts_by_class(response.text, "grand") == ["应付 316.00"]
    assert placed_with(response.text, "points") == ["0"]


def test_the_order_is_placed_with_what_the_page_showed_and_its_page_shows_the_discounts(
    consumer_client, consumer, mall, cart, address, offers
):
    _, big = offers

    response = consumer_client.post(reverse("web:checkout"), {
        "client_token": "tok-1", "merchant": mall.merchant.pk, "address": address.pk, "note": "",
        "coupon": big.pk, "points": 1000,
    })

    order = Order.objects.get(buyer=consumer)
    assert response.status_code == 302
    assert (order.total_fen, order.coupon_id, order.points_used) == (30600, big.pk, 1000)
    assert Coupon.objects.get(pk=big.pk).status == Coupon.Status.USED
    page = consumer_client.get(reverse("web:order_detail", args=[order.number]))
    assert text_of(page.text, "order-promotion") == "店铺优惠 −¥20.00"
    assert text_of(page.text, "order-coupon") == "优惠券 −¥30.00"
    assert text_of(page.text, "order-points") == "积分抵扣（1000 积分） −¥10.00"
    assert texts_by_class(page.text, "grand") == ["实付 306.00"]
    assert "<s class=\"muted\">¥168.00</s>" in page.text


def test_a_coupon_used_meanwhile_is_refused_and_nothing_is_placed(consumer_client, consumer, mall, cart, address,
                                                                  offers):
    _, big = offers
    Coupon.objects.filter(pk=big.pk).update(status=Coupon.Status.EXPIRED)

    response = consumer_client.post(reverse("web:checkout"), {
        "client_token": "tok-1", "merchant": mall.merchant.pk, "address": address.pk, "note": "",
        "coupon": big.pk, "points": 0,
    })

    assert response.status_code == 409
    assert "优惠券已过期。" in response.text
    assert Order.objects.count() == 0
    assert CartLine.objects.filter(user=consumer).count() == 2
