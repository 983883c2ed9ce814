"""The shop's campaigns where the buyer shops (campaigns.showcase): live promotions with their
满减 / 满折 / 新客立减 tag and coupons with a 领取 button on the product page, the guide's card and the
cart, and the cart's "再买 ¥X 可减 ¥Y", which is exactly what checkout then takes off."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from linkmall.campaigns.models import Coupon
from linkmall.campaigns.services import coupon_claim
from linkmall.campaigns.tests.factories import make_promotion, make_template
from linkmall.cards.models import Card
from linkmall.core import clock
from linkmall.orders.models import CartLine
from linkmall.orders.quotes import line_in, order_quote
from linkmall.testing import make_guide, make_merchant
from linkmall.web.tests.html import parse, text_of, texts_by_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def offers(mall):
    """满100减10, 满2件打9折, 新客立减20 and a paused one; a 5.00 coupon to claim and one of another shop."""
    return {
        "amount": make_promotion(mall.merchant, name="满百减十"),
        "percent": make_promotion(mall.merchant, name="两件九折", kind="percent", value=Decimal(10), threshold_fen=0,
                                  threshold_quantity=2),
        "new": make_promotion(mall.merchant, name="新客立减", value=Decimal(2000), threshold_fen=0,
                              new_customers_only=True),
        "paused": make_promotion(mall.merchant, name="暂停的", status="paused"),
        "coupon": make_template(mall.merchant, name="无门槛5元券"),
        "elsewhere": make_template(make_merchant(), name="别家的券"),
    }


def fragment_url(mall, back=""):
    url = reverse("campaigns:shop_offers", args=[mall.merchant.pk])
    return f"{url}?next={back}" if back else url


def hx_urls(html):
    return [attrs["hx-get"] for tag, attrs in parse(html).elements if attrs.get("id") == "shop-offers"]


def test_the_product_page_loads_the_shops_offers_as_an_uncached_fragment(client, mall, offers):
    product_url = reverse("web:product", args=[mall.store.pk, mall.lipstick.pk])

    assert hx_urls(client.get(product_url).text) == [fragment_url(mall, product_url)]


def test_the_guides_card_loads_the_same_fragment(client, mall, offers):
    guide = make_guide(mall.store)
    Card.objects.create(guide=guide, headline="美妆顾问")
    card_url = reverse("cards:card", args=[guide.pk])

    assert hx_urls(client.get(card_url).text) == [fragment_url(mall, card_url)]


def test_the_fragment_shows_the_live_promotions_with_their_tags_and_a_claim_button(client, mall, offers):
    response = client.get(fragment_url(mall, "/s/1/p/2/"))

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    html = response.text
    assert texts_by_class(html, "shop-promotion") == ["满减 满100元减10元", "满折 满2件打9折", "新客立减 无门槛减20元"]
    assert text_of(html, f"shop-coupon-{offers['coupon'].pk}") == "无门槛减5元 无门槛5元券 领取"
    forms = [attrs for tag, attrs in parse(html).elements if tag == "form"]
    assert [f["action"] for f in forms] == [reverse("campaigns:claim_centre", args=[mall.merchant.pk])]
    hidden = {a["name"]: a["value"] for tag, a in parse(html).elements if tag == "input" and a.get("type") == "hidden"
              and a["name"] != "csrfmiddlewaretoken"}
    assert hidden == {"template_id": str(offers["coupon"].pk), "next": "/s/1/p/2/"}
    assert "别家的券" not in html and "暂停的" not in html


def test_claiming_from_the_fragment_comes_back_to_the_page_it_was_on(consumer_client, consumer, mall, offers):
    product_url = reverse("web:product", args=[mall.store.pk, mall.lipstick.pk])

    response = consumer_client.post(reverse("campaigns:claim_centre", args=[mall.merchant.pk]),
                                    {"template_id": offers["coupon"].pk, "next": product_url})

    assert (response.status_code, response.url) == (302, product_url)
    assert list(Coupon.objects.values_list("user_id", "template_id")) == [(consumer.pk, offers["coupon"].pk)]
    again = consumer_client.get(fragment_url(mall)).text
    assert text_of(again, f"shop-coupon-{offers['coupon'].pk}") == "无门槛减5元 无门槛5元券 已领取"


def test_a_claim_with_a_next_outside_the_site_goes_to_the_claim_centre(consumer_client, mall, offers):
    response = consumer_client.post(reverse("campaigns:claim_centre", args=[mall.merchant.pk]),
                                    {"template_id": offers["coupon"].pk, "next": "https://evil.example/"})

    assert response.url == reverse("campaigns:claim_centre", args=[mall.merchant.pk])


def test_a_shop_without_campaigns_shows_nothing_and_an_unknown_shop_is_404(client, mall):
    assert client.get(fragment_url(mall)).text.strip() == ""
    assert client.get(reverse("campaigns:shop_offers", args=[999999])).status_code == 404


@pytest.fixture
def tiers(mall):
    """满100减10 and 满299减50."""
    return make_promotion(mall.merchant, name="满百减十"), make_promotion(
        mall.merchant, name="满减大促", value=Decimal(5000), threshold_fen=29900)


def cart_page(client):
    return client.get(reverse("web:cart")).text


def add(consumer, listing, quantity):
    CartLine.objects.update_or_create(user=consumer, listing=listing, defaults={"quantity": quantity})


def quote_of(consumer, mall):
    lines = [line_in(c.listing, c.quantity) for c in CartLine.objects.filter(user=consumer)
             .select_related("listing__product").order_by("pk")]
    return order_quote(buyer=consumer, merchant=mall.merchant, lines=lines)


def test_the_cart_says_how_much_more_reaches_the_next_promotion_and_checkout_then_takes_it_off(
        consumer_client, consumer, mall, tiers):
    add(consumer, mall.lipstick_red, 1)  # 99.00: no promotion yet
    html = cart_page(consumer_client)
    assert text_of(html, f"cart-nudge-{mall.merchant.pk}") == "再买 ¥1.00 可减 ¥10.00"
    assert texts_by_class(html, "cart-promotion") == []
    assert texts_by_class(html, "shop-promotion") == ["满减 满100元减10元", "满减 满299元减50元"]

    add(consumer, mall.lipstick_red, 2)  # 198.00: 满100减10 now; 101.00 more reaches 满299减50
    html = cart_page(consumer_client)
    assert text_of(html, f"cart-nudge-{mall.merchant.pk}") == "再买 ¥101.00 可减 ¥50.00"
    assert texts_by_class(html, "cart-promotion") == ["店铺活动已减 ¥10.00"]

    mall.lipstick_pink.price_fen = 10100  # exactly the 101.00 the cart asked for
    mall.lipstick_pink.save(update_fields=["price_fen"])
    add(consumer, mall.lipstick_pink, 1)
    html = cart_page(consumer_client)
    assert quote_of(consumer, mall).priced.promotion_fen == 5000
    assert texts_by_class(html, "cart-promotion") == ["店铺活动已减 ¥50.00"]
    assert texts_by_class(html, "cart-nudge") == []


def test_a_quantity_threshold_says_how_many_more_units(consumer_client, consumer, mall):
    make_promotion(mall.merchant, name="两件九折", kind="percent", value=Decimal(10), threshold_fen=0,
                   threshold_quantity=2)
    add(consumer, mall.lipstick_red, 1)

    assert text_of(cart_page(consumer_client), f"cart-nudge-{mall.merchant.pk}") == "再买 1 件 可享满2件打9折"


def test_the_cart_shows_the_coupons_to_claim_and_comes_back_after_a_claim(consumer_client, consumer, mall, tiers):
    template = make_template(mall.merchant, name="无门槛5元券")
    add(consumer, mall.lipstick_red, 1)
    html = cart_page(consumer_client)
    assert text_of(html, f"shop-coupon-{template.pk}") == "无门槛减5元 无门槛5元券 领取"
    assert {a["value"] for tag, a in parse(html).elements if a.get("name") == "next"} >= {reverse("web:cart")}

    coupon_claim(user=consumer, template_id=template.pk)
    assert text_of(cart_page(consumer_client), f"shop-coupon-{template.pk}") == "无门槛减5元 无门槛5元券 已领取"


def test_an_ended_promotion_is_not_shown_anywhere(client, mall):
    make_promotion(mall.merchant, name="过期", starts_at=clock.now() - timedelta(days=3),
                   ends_at=clock.now() - timedelta(days=1))

    assert texts_by_class(client.get(fragment_url(mall)).text, "shop-promotion") == []


def test_the_carts_offers_take_the_same_queries_however_many_lines(consumer_client, consumer, mall, tiers,
                                                                   django_assert_max_num_queries):
    make_template(mall.merchant, name="无门槛5元券")
    add(consumer, mall.lipstick_red, 1)
    with django_assert_max_num_queries(12) as one:
        consumer_client.get(reverse("web:cart"))
    add(consumer, mall.lipstick_pink, 1)
    add(consumer, mall.tea_listing, 2)
    with django_assert_max_num_queries(12) as three:
        consumer_client.get(reverse("web:cart"))

    assert len(three.captured_queries) == len(one.captured_queries)
