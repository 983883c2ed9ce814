"""The flash-sale hall: slots with their state and 已抢 x %, the buy button that admits the buyer
and goes to the order to pay, and the refusals said in words."""

from datetime import timedelta

import pytest
from django.urls import reverse

from linkmall import testing as t
from linkmall.campaigns.services.flash import FlashSaleFields, flash_sale_create
from linkmall.campaigns.tests.factories import T0
from linkmall.core import clock
from linkmall.orders.flash import flash_attempt
from linkmall.orders.models import Order
from linkmall.web.tests.html import texts_by_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(mall):
    clock.freeze(T0)
    owner = t.make_merchant_owner(mall.merchant)
    return flash_sale_create(actor=owner, merchant=mall.merchant, fields=FlashSaleFields(
        listing_id=mall.tea_listing.pk, name="10点场", starts_at=T0 + timedelta(hours=1),
        ends_at=T0 + timedelta(hours=2), price_fen=1, stock=2), accept_loss=True)


def hall(client, mall):
    return client.get(reverse("web:flash_hall", args=[mall.merchant.pk]))


def buy(client, mall, sale, token="x"):
    return client.post(reverse("web:flash_buy", args=[mall.merchant.pk, sale.pk]), {"client_token": token},
                       follow=True)


def test_the_hall_shows_a_coming_slot_with_its_countdown_and_no_buy_button(client, mall, sale):
    page = hall(client, mall)

    assert page.status_code == 200
    html = page.content.decode()
    assert "即将开抢" in html and "距开始" in html and '<span class="price">0.01</span>' in html  # ¥ drawn by .price
    assert reverse("web:flash_buy", args=[mall.merchant.pk, sale.pk]) not in html


def test_buying_goes_to_the_order_to_pay_and_a_second_try_says_limit_reached(consumer_client, consumer, address,
                                                                             mall, sale):
    clock.freeze(T0 + timedelta(hours=1))
    assert "立即抢购" in hall(consumer_client, mall).content.decode()

    page = buy(consumer_client, mall, sale)

    order = Order.objects.get(buyer=consumer)
    assert page.redirect_chain[-1][0] == reverse("web:order_detail", args=[order.number])
    assert order.total_fen == 1
    again = hall(consumer_client, mall).content.decode()
    assert "已达限购" in again and "已抢 50%" in again
    refused = buy(consumer_client, mall, sale, token="y")
    assert "已达到本场秒杀每人限购数量。" in " ".join(texts_by_class(refused.content.decode(), "msg"))
    assert Order.objects.filter(buyer=consumer).count() == 1


def test_a_sold_out_slot_says_so(consumer_client, address, mall, sale):
    clock.freeze(T0 + timedelta(hours=1))
    for _ in range(2):
        other = t.make_consumer()
        t.make_address(other)
        flash_attempt(buyer=other, sale_id=sale.pk, address=other.addresses.get(), client_token="a")

    assert "已抢光" in hall(consumer_client, mall).content.decode()
    refused = buy(consumer_client, mall, sale)
    assert "手慢了，已抢光。" in " ".join(texts_by_class(refused.content.decode(), "msg"))


def test_the_hall_in_english(client, mall, sale):
    page = client.get(reverse("web:flash_hall", args=[mall.merchant.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Starting soon" in page.content.decode()
