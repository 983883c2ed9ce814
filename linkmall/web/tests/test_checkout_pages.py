"""Checkout: the address, the order split into parcels by supplier, and placing it exactly once."""

import pytest
from django.urls import reverse

from linkmall.catalog.models import Sku
from linkmall.customers.models import Address
from linkmall.orders.models import CartLine, Order
from linkmall.testing import make_address, make_consumer, make_listing, make_merchant
from linkmall.web.tests.html import inputs, texts_by_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart(consumer, mall):
    return [
        CartLine.objects.create(user=consumer, listing=mall.lipstick_red, quantity=2),
        CartLine.objects.create(user=consumer, listing=mall.tea_listing, quantity=1),
    ]


def checkout_url(mall):
    return f"{reverse('web:checkout')}?merchant={mall.merchant.pk}"


def place(client, mall, address, token="token-1", **extra):
    data = {"client_token": token, "merchant": mall.merchant.pk, "address": address.pk, "note": ""}
    data.update(extra)
    return client.post(reverse("web:checkout"), data)


def test_the_checkout_page_splits_the_order_into_one_parcel_per_supplier(
    consumer_client, mall, cart, address, django_assert_num_queries
):
    # session, user, cart lines, the price (an earlier paid order here?, promotions, coupons,
    # points: campaigns.md §1), addresses
    with django_assert_num_queries(9):
        response = consumer_client.get(checkout_url(mall))

    assert response.status_code == 200
    preview = response.context["preview"]
    assert [(p.supplier.name, [i.line.quantity for i in p.items]) for p in preview.parcels] == [
        ("花西子工厂", [2]), ("西湖龙井茶厂", [1]),
    ]
    assert preview.goods_fen == 2 * 9900 + 16800
    assert texts_by_class(response.text, "grand") == ["应付 366.00"]
    [token] = inputs(response.text, "client_token")
    assert len(token["value"]) == 32
    [choice] = inputs(response.text, "address")
    assert choice["value"] == str(address.pk) and "checked" in choice


def test_placing_the_order_takes_the_cart_lines_and_holds_the_stock(consumer_client, consumer, mall, cart, address):
    response = place(consumer_client, mall, address, note="请工作日送达")

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("web:order_detail", args=[order.number])
    assert (order.buyer, order.merchant, order.store, order.total_fen, order.note) == (
        consumer, mall.merchant, None, 36600, "请工作日送达",
    )
    assert order.fulfilments.count() == 2
    assert CartLine.objects.count() == 0
    assert Sku.objects.get(pk=mall.lipstick_red.sku_id).stock == 3


def test_the_order_is_credited_to_the_store_the_buyer_browsed(consumer_client, mall, cart, address):
    consumer_client.get(reverse("web:store_home", args=[mall.store.pk]))

    place(consumer_client, mall, address)

    assert Order.objects.get().store == mall.store


def test_submitting_the_same_checkout_twice_places_one_order(consumer_client, mall, cart, address):
    first = place(consumer_client, mall, address, token="same-token")
    second = place(consumer_client, mall, address, token="same-token")

    assert Order.objects.count() == 1
    assert first.url == second.url == reverse("web:order_detail", args=[Order.objects.get().number])


def test_checkout_without_an_address_shows_the_error_and_places_nothing(consumer_client, mall, cart, address):
    response = consumer_client.post(reverse("web:checkout"), {
        "client_token": "t", "merchant": mall.merchant.pk, "note": "留言还在",
    })

    assert response.status_code == 400
    assert "请选择收货地址。" in response.text
    assert [i["value"] for i in inputs(response.text, "note")] == ["留言还在"]
    assert Order.objects.count() == 0
    assert CartLine.objects.count() == 2


def test_another_consumers_address_cannot_be_used(consumer_client, mall, cart):
    not_mine = make_address(make_consumer())

    response = place(consumer_client, mall, not_mine)

    assert response.status_code == 404
    assert "没有找到对应的内容。" in response.text
    assert Order.objects.count() == 0


def test_running_out_of_stock_at_checkout_is_explained_and_reserves_nothing(consumer_client, mall, cart, address):
    Sku.objects.filter(pk=mall.tea_listing.sku_id).update(stock=0)

    response = place(consumer_client, mall, address)

    assert response.status_code == 409
    assert "库存不足，请减少数量或选择其他规格。" in texts_by_class(response.text, "errorlist")[0]
    assert Order.objects.count() == 0
    assert Sku.objects.get(pk=mall.lipstick_red.sku_id).stock == 5
    assert CartLine.objects.count() == 2


def test_checking_out_an_empty_cart_goes_back_to_the_cart(consumer_client, mall):
    response = consumer_client.get(checkout_url(mall), follow=True)

    assert response.redirect_chain == [(reverse("web:cart"), 302)]
    assert texts_by_class(response.text, "msg") == ["购物车里没有可以结算的商品。"]


def test_a_one_shop_cart_checks_out_without_naming_the_shop_and_reads_the_cart_once(
    consumer_client, mall, cart, address, django_assert_num_queries
):
    # session, user, cart lines, the price (an earlier paid order here?, promotions, coupons,
    # points: campaigns.md §1), addresses
    with django_assert_num_queries(9):
        response = consumer_client.get(reverse("web:checkout"))

    assert response.status_code == 200
    assert response.context["preview"].merchant == mall.merchant
    assert [i.line for i in response.context["preview"].items] == [cart[0], cart[1]]


def test_a_cart_of_two_shops_must_name_the_shop_to_check_out(consumer_client, consumer, mall, cart, address):
    other_merchant = make_merchant("西溪茶舍")
    CartLine.objects.create(user=consumer, listing=make_listing(other_merchant, mall.tea.skus.get(), price_fen=17800),
                            quantity=1)

    unnamed = consumer_client.get(reverse("web:checkout"), follow=True)
    named = consumer_client.get(checkout_url(mall))

    assert unnamed.redirect_chain == [(reverse("web:cart"), 302)]
    assert texts_by_class(unnamed.text, "msg") == ["购物车里没有可以结算的商品。"]
    assert named.context["preview"].merchant == mall.merchant
    assert [i.line for i in named.context["preview"].items] == [cart[0], cart[1]]


def test_buy_now_orders_just_that_sku_and_leaves_the_cart_alone(consumer_client, mall, cart, address):
    response = consumer_client.post(reverse("web:buy_now"), {"listing": mall.lipstick_pink.pk, "quantity": 3})
    assert response.url == f"{reverse('web:checkout')}?listing={mall.lipstick_pink.pk}&quantity=3"

    page = consumer_client.get(response.url)
    assert page.context["preview"].goods_fen == 3 * 10900
    place(consumer_client, mall, address, listing=mall.lipstick_pink.pk, quantity=3)

    order = Order.objects.get()
    assert [(line.listing_id, line.quantity) for line in order.lines.all()] == [(mall.lipstick_pink.pk, 3)]
    assert CartLine.objects.count() == 2


def test_a_new_address_with_a_bad_phone_keeps_what_was_typed_and_saves_nothing(consumer_client, consumer):
    response = consumer_client.post(reverse("web:checkout_address"), {
        "recipient": "李先生", "phone": "not-a-phone", "province": "浙江省", "city": "杭州市", "detail": "",
        "next": "/checkout/?merchant=1",
    })

    assert response.status_code == 400
    assert [i["value"] for i in inputs(response.text, "recipient")] == ["李先生"]
    assert texts_by_class(response.text, "errorlist") == ["请输入正确的手机号。", "这一项必须填写。"]
    assert Address.objects.count() == 0


def test_a_new_address_is_saved_and_chosen_on_the_checkout_page(consumer_client, consumer, mall, cart):
    back = checkout_url(mall)
    assert consumer_client.get(f"{reverse('web:checkout_address')}?next={back}").status_code == 200

    response = consumer_client.post(reverse("web:checkout_address"), {
        "recipient": "李先生", "phone": "13800001234", "province": "浙江省", "city": "杭州市",
        "district": "上城区", "detail": "湖滨路 8 号", "next": back,
    })

    address = Address.objects.get(user=consumer)
    assert response.url == f"{back}&address={address.pk}"
    page = consumer_client.get(response.url)
    [choice] = inputs(page.text, "address")
    assert choice["value"] == str(address.pk) and "checked" in choice
