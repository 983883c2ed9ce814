"""The cart pages: who may use them, adding from the product page, changing and removing lines."""

import pytest
from django.urls import reverse

from linkmall.orders.models import CartLine
from linkmall.testing import make_consumer, make_merchant_owner
from linkmall.web.tests.html import texts_by_class

pytestmark = pytest.mark.django_db


def product_url(mall):
    return reverse("web:product", args=[mall.store.pk, mall.lipstick.pk])


def test_an_anonymous_visitor_is_sent_to_the_sms_login_and_back_to_the_cart(client):
    response = client.get(reverse("web:cart"))

    assert response.status_code == 302
    assert response.url == "/login/?next=/cart/"


def test_an_anonymous_add_to_cart_logs_in_first_and_returns_to_the_product_page(client, mall):
    response = client.post(reverse("web:cart_add"), {"listing": mall.lipstick_red.pk, "quantity": 1,
                                                      "next": product_url(mall)})

    assert response.status_code == 302
    assert response.url == f"/login/?next={product_url(mall)}"
    assert CartLine.objects.count() == 0


def test_staff_may_not_use_the_consumer_cart(client, mall):
    client.force_login(make_merchant_owner(mall.merchant))

    assert client.get(reverse("web:cart")).status_code == 403


def test_adding_to_the_cart_puts_the_chosen_sku_in_and_goes_back_to_the_product(consumer_client, consumer, mall):
    response = consumer_client.post(reverse("web:cart_add"), {
        "listing": mall.lipstick_pink.pk, "quantity": "2", "action": "cart", "next": product_url(mall),
    })

    assert response.status_code == 302 and response.url == product_url(mall)
    assert list(CartLine.objects.values_list("user_id", "listing_id", "quantity")) == [
        (consumer.pk, mall.lipstick_pink.pk, 2)
    ]
    assert texts_by_class(consumer_client.get(response.url).text, "msg") == ["已加入购物车。"]


@pytest.mark.parametrize("quantity, message", [
    ("0", "数量至少为 1。"), ("abc", "数量必须是整数。"), ("1000", "数量不能超过 999。"), ("", "请填写数量。"),
])
def test_a_bad_quantity_is_refused_with_a_clear_message_and_changes_nothing(consumer_client, mall, quantity, message):
    response = consumer_client.post(reverse("web:cart_add"), {
        "listing": mall.lipstick_red.pk, "quantity": quantity, "next": product_url(mall),
    }, follow=True)

    assert response.status_code == 200
    assert texts_by_class(response.text, "msg") == [message]
    assert CartLine.objects.count() == 0


def test_an_unknown_or_withdrawn_listing_is_refused_and_changes_nothing(consumer_client, mall):
    mall.tea_listing.is_active = False
    mall.tea_listing.save()

    for listing_id in (mall.tea_listing.pk, 999_999):
        response = consumer_client.post(reverse("web:cart_add"), {"listing": listing_id, "quantity": 1}, follow=True)
        assert response.status_code == 200
        assert texts_by_class(response.text, "msg")[-1] in ("商品已下架或暂不可售。", "没有找到对应的内容。")
    assert CartLine.objects.count() == 0


def test_the_cart_groups_lines_by_shop_with_totals_in_a_fixed_number_of_queries(
    consumer_client, consumer, mall, django_assert_num_queries
):
    CartLine.objects.create(user=consumer, listing=mall.lipstick_red, quantity=2)
    CartLine.objects.create(user=consumer, listing=mall.tea_listing, quantity=1)

    # session, user, cart lines with everything they show; per shop its promotions and coupons to
    # claim (web.cart_offers; pricing the nudge adds a constant few when the shop has promotions)
    with django_assert_num_queries(5):
        response = consumer_client.get(reverse("web:cart"))

    assert response.status_code == 200
    [group] = response.context["groups"]
    assert group.merchant == mall.merchant
    assert group.total_fen == 2 * 9900 + 16800
    assert texts_by_class(response.text, "name") == ["丝绒口红", "明前龙井 250g"]
    assert f'{reverse("web:checkout")}?merchant={mall.merchant.pk}' in response.text


def test_an_empty_cart_invites_to_browse(consumer_client):
    response = consumer_client.get(reverse("web:cart"))

    assert response.status_code == 200
    assert "购物车是空的" in response.text


def test_changing_a_quantity_and_removing_a_line(consumer_client, consumer, mall):
    line = CartLine.objects.create(user=consumer, listing=mall.lipstick_red, quantity=2)

    consumer_client.post(reverse("web:cart_set_quantity", args=[line.pk]), {"quantity": "4"})
    line.refresh_from_db()
    assert line.quantity == 4

    response = consumer_client.post(reverse("web:cart_set_quantity", args=[line.pk]), {"quantity": "-1"}, follow=True)
    assert texts_by_class(response.text, "msg") == ["数量至少为 1。"]
    line.refresh_from_db()
    assert line.quantity == 4

    consumer_client.post(reverse("web:cart_remove", args=[line.pk]))
    assert CartLine.objects.count() == 0


def test_another_consumers_cart_line_cannot_be_changed_or_removed(consumer_client, mall):
    someone_else = make_consumer()
    theirs = CartLine.objects.create(user=someone_else, listing=mall.lipstick_red, quantity=2)

    consumer_client.post(reverse("web:cart_set_quantity", args=[theirs.pk]), {"quantity": "9"})
    consumer_client.post(reverse("web:cart_remove", args=[theirs.pk]))

    theirs.refresh_from_db()
    assert theirs.quantity == 2
