"""快递配送 / 到店自提 on the activity pages (flash hall, group activity and group page, bargain page):
each buy / open / join form offers the merchant's open stores; 到店自提 places a pick-up order
(without an address too), another merchant's store is refused on the page with nothing placed."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from linkmall import testing as t
from linkmall.campaigns.models import Bargain, FlashSale, GroupBuyGroup
from linkmall.campaigns.services.bargain import BargainFields, bargain_activity_create, bargain_start
from linkmall.campaigns.services.flash import FlashSaleFields, flash_sale_create
from linkmall.campaigns.services.group import GroupBuyFields, group_buy_create
from linkmall.campaigns.tests.factories import T0
from linkmall.core import clock
from linkmall.orders.group import group_open_attempt
from linkmall.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(mall):
    clock.freeze(T0)
    return t.make_merchant_owner(mall.merchant)


def choice_of(html: str) -> tuple[list[str], list[str]]:
    """The form's fulfilment radios and its store options."""
    box = re.search(r'<fieldset class="fulfilment-choice">(.*?)</fieldset>', html, re.S)
    assert box, "no 快递配送 / 到店自提 choice"
    return (re.findall(r'name="fulfilment_mode" value="(\w+)"', box.group(1)),
            re.findall(r'<option value="(\d+)">', box.group(1)))


def pickup(store) -> dict:
    return {"fulfilment_mode": "pickup", "pickup_store": store.pk}


def assert_pickup_order(order, store):
    assert (order.fulfilment_mode, order.pickup_store_id, len(order.pickup_code)) == ("pickup", store.pk, 8)


def test_the_flash_hall_offers_the_stores_and_buys_for_pick_up_without_an_address(consumer_client, consumer, mall,
                                                                                   owner):
    closed = t.make_store(mall.merchant, name="闭店")
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    sale = flash_sale_create(actor=owner, merchant=mall.merchant, fields=FlashSaleFields(
        listing_id=mall.tea_listing.pk, name="10点场", starts_at=T0 + timedelta(hours=1),
        ends_at=T0 + timedelta(hours=2), price_fen=9900, stock=2))
    clock.freeze(T0 + timedelta(hours=1))
    hall = consumer_client.get(reverse("web:flash_hall", args=[mall.merchant.pk])).content.decode()
    assert choice_of(hall) == (["delivery", "pickup"], [str(mall.store.pk)])
    assert "快递配送" in hall and "到店自提" in hall and mall.store.name in hall

    url = reverse("web:flash_buy", args=[mall.merchant.pk, sale.pk])
    foreign = t.make_store(t.make_merchant())
    refused = consumer_client.post(url, {"client_token": "x", **pickup(foreign)}, follow=True)
    assert "请选择这家店的一个自提门店" in refused.content.decode()
    assert Order.objects.count() == 0 and FlashSale.objects.get(pk=sale.pk).held == 0

    bought = consumer_client.post(url, {"client_token": "x", **pickup(mall.store)})

    order = Order.objects.get(buyer=consumer)
    assert bought["Location"] == reverse("web:order_detail", args=[order.number])
    assert_pickup_order(order, mall.store)


def test_a_delivery_without_an_address_still_asks_for_one(consumer_client, mall, owner):
    sale = flash_sale_create(actor=owner, merchant=mall.merchant, fields=FlashSaleFields(
        listing_id=mall.tea_listing.pk, name="10点场", starts_at=T0 + timedelta(hours=1),
        ends_at=T0 + timedelta(hours=2), price_fen=9900, stock=2))
    clock.freeze(T0 + timedelta(hours=1))
    answer = consumer_client.post(reverse("web:flash_buy", args=[mall.merchant.pk, sale.pk]),
                                  {"client_token": "x", "fulfilment_mode": "delivery"})
    assert answer.status_code == 302 and reverse("web:checkout_address") in answer["Location"]
    assert Order.objects.count() == 0


def test_a_group_is_opened_and_joined_for_pick_up_from_its_pages(client, consumer_client, consumer, address, mall,
                                                                 owner):
    activity = group_buy_create(actor=owner, merchant=mall.merchant, fields=GroupBuyFields(
        listing_id=mall.tea_listing.pk, name="龙井三人团", size=3, price_fen=12800, stock=5,
        starts_at=T0, ends_at=T0 + timedelta(days=3)))
    page = consumer_client.get(reverse("web:group_activity", args=[mall.merchant.pk, activity.pk])).content.decode()
    assert choice_of(page) == (["delivery", "pickup"], [str(mall.store.pk)])

    opened = consumer_client.post(reverse("web:group_open", args=[mall.merchant.pk, activity.pk]),
                                  {"client_token": "t1", **pickup(mall.store)})
    order = Order.objects.get(buyer=consumer)
    assert opened["Location"] == reverse("web:order_detail", args=[order.number])
    assert_pickup_order(order, mall.store)
    assert order.address["recipient"] == address.recipient  # the default address names the buyer

    group = GroupBuyGroup.objects.get()
    joiner = t.make_consumer()
    client.force_login(joiner)
    group_url = reverse("web:group_page", args=[mall.merchant.pk, group.pk])
    assert choice_of(client.get(group_url).content.decode())[1] == [str(mall.store.pk)]
    join_url = reverse("web:group_join", args=[mall.merchant.pk, group.pk])
    refused = client.post(join_url, {"client_token": "j", **pickup(t.make_store(t.make_merchant()))})
    assert refused["Location"] == group_url and not Order.objects.filter(buyer=joiner).exists()
    group.refresh_from_db()
    assert group.seats == 1

    client.post(join_url, {"client_token": "j", **pickup(mall.store)})

    assert_pickup_order(Order.objects.get(buyer=joiner), mall.store)


def test_the_group_page_of_ones_own_group_offers_no_choice(consumer_client, consumer, address, mall, owner):
    activity = group_buy_create(actor=owner, merchant=mall.merchant, fields=GroupBuyFields(
        listing_id=mall.tea_listing.pk, name="龙井三人团", size=3, price_fen=12800, stock=5,
        starts_at=T0, ends_at=T0 + timedelta(days=3)))
    order = group_open_attempt(buyer=consumer, activity_id=activity.pk, address=address, client_token="o")
    group = GroupBuyGroup.objects.get(members__order_id=order.pk)
    html = consumer_client.get(reverse("web:group_page", args=[mall.merchant.pk, group.pk])).content.decode()
    assert "fulfilment-choice" not in html


def test_a_bargain_is_bought_for_pick_up_from_its_page(consumer_client, consumer, mall, owner):
    activity = bargain_activity_create(actor=owner, merchant=mall.merchant, fields=BargainFields(
        listing_id=mall.tea_listing.pk, name="龙井砍价", floor_fen=9900, helpers_needed=2, starts_at=T0,
        ends_at=T0 + timedelta(days=3)))
    bargain = bargain_start(buyer=consumer, activity_id=activity.pk)
    page_url = reverse("web:bargain_page", args=[mall.merchant.pk, bargain.pk])
    assert choice_of(consumer_client.get(page_url).content.decode()) == (["delivery", "pickup"], [str(mall.store.pk)])
    buy_url = reverse("web:bargain_buy", args=[mall.merchant.pk, bargain.pk])

    refused = consumer_client.post(buy_url, {"client_token": "b", "fulfilment_mode": "pickup", "pickup_store": "x"})
    assert refused["Location"] == page_url and Bargain.objects.get(pk=bargain.pk).status == "open"

    bought = consumer_client.post(buy_url, {"client_token": "b", **pickup(mall.store)})

    order = Order.objects.get(buyer=consumer)
    assert bought["Location"] == reverse("web:order_detail", args=[order.number])
    assert_pickup_order(order, mall.store)
    assert Bargain.objects.get(pk=bargain.pk).status == "bought"
