"""The browsing pages: the store list, a store's shelves, a category and the product page."""

import pytest
from django.urls import reverse

from linkmall.catalog.models import Sku
from linkmall.stores.models import Listing
from linkmall.testing import make_merchant, make_product, make_store, make_supplier
from linkmall.web.templatetags.web import CURRENT_STORE_COOKIE
from linkmall.web.tests.html import inputs, text_of, texts_by_class

pytestmark = pytest.mark.django_db


def test_the_home_page_lists_the_open_stores_in_one_query(client, mall, django_assert_num_queries):
    closed = make_store(mall.merchant, name="已关闭的店")
    closed.is_active = False
    closed.save()

    with django_assert_num_queries(1):
        response = client.get(reverse("web:home"))

    assert response.status_code == 200
    assert "湖滨银泰店" in response.text
    assert "已关闭的店" not in response.text
    assert reverse("web:store_home", args=[mall.store.pk]) in response.text


def test_a_store_home_shows_its_categories_and_product_cards_with_prices(client, mall, django_assert_num_queries):
    url = reverse("web:store_home", args=[mall.store.pk])
    with django_assert_num_queries(2):  # the store, one query for every shelf
        response = client.get(url)

    assert response.status_code == 200
    assert [c.name for c in response.context["categories"]] == ["美妆", "茶饮"]
    assert texts_by_class(response.text, "name") == ["丝绒口红", "明前龙井 250g"]
    assert texts_by_class(response.text, "price") == ["99.00", "168.00"]  # the lipstick's cheapest SKU


def test_visiting_a_store_makes_the_tab_bar_lead_back_to_it(client, mall):
    client.get(reverse("web:store_home", args=[mall.store.pk]))

    assert client.cookies[CURRENT_STORE_COOKIE].value == str(mall.store.pk)
    response = client.get(reverse("web:home"))
    assert f'href="{reverse("web:store_categories", args=[mall.store.pk])}" class="tab' in response.text


def test_an_unknown_or_closed_store_is_not_found(client, mall):
    mall.store.is_active = False
    mall.store.save()

    assert client.get(reverse("web:store_home", args=[mall.store.pk])).status_code == 404
    assert client.get(reverse("web:store_home", args=[999_999])).status_code == 404


def test_the_categories_page_lists_each_category_with_its_product_count(client, mall, django_assert_num_queries):
    url = reverse("web:store_categories", args=[mall.store.pk])

    with django_assert_num_queries(2):  # store, shelf
        response = client.get(url)

    assert response.status_code == 200
    assert [(c.name, c.product_count) for c in response.context["categories"]] == [("美妆", 1), ("茶饮", 1)]


def test_a_category_page_shows_only_that_category(client, mall, django_assert_num_queries):
    url = reverse("web:category", args=[mall.store.pk, mall.tea.category.slug])

    with django_assert_num_queries(3):  # store, category, shelf
        response = client.get(url)

    assert response.status_code == 200
    assert texts_by_class(response.text, "name") == ["明前龙井 250g"]


def test_an_unknown_category_is_not_found(client, mall):
    assert client.get(reverse("web:category", args=[mall.store.pk, "no-such-slug"])).status_code == 404


def test_the_product_page_shows_images_sku_options_price_and_live_stock(client, mall, django_assert_num_queries):
    url = reverse("web:product", args=[mall.store.pk, mall.lipstick.pk])

    with django_assert_num_queries(3):  # store, listings with their SKUs, images
        response = client.get(url)

    assert response.status_code == 200
    text = response.text
    assert texts_by_class(text, "name") == ["丝绒口红"]
    assert texts_by_class(text, "description") == ["哑光质地，持久不脱色。"]
    assert [(o["value"], o["data-price"], o["data-stock"]) for o in inputs(text, "listing")] == [
        (str(mall.lipstick_red.pk), "99.00", "5"), (str(mall.lipstick_pink.pk), "109.00", "5"),
    ]
    assert texts_by_class(text, "option") == ["正红", "豆沙粉"]
    assert text_of(text, "price") == "99.00"
    assert text_of(text, "stock") == "5"
    assert texts_by_class(text, "btn-warm") == ["加入购物车"]


def test_the_product_page_shows_a_stock_change_at_once_although_its_body_is_cached(client, mall):
    url = reverse("web:product", args=[mall.store.pk, mall.lipstick.pk])
    client.get(url)

    Sku.objects.filter(pk=mall.lipstick_red.sku_id).update(stock=2)
    Listing.objects.filter(pk=mall.lipstick_red.pk).update(price_fen=8800)
    response = client.get(url)

    assert text_of(response.text, "stock") == "2"
    assert text_of(response.text, "price") == "88.00"


def test_a_sold_out_sku_cannot_be_chosen_and_a_sold_out_product_cannot_be_bought(client, mall):
    Sku.objects.filter(pk=mall.lipstick_red.sku_id).update(stock=0)
    url = reverse("web:product", args=[mall.store.pk, mall.lipstick.pk])

    response = client.get(url)
    assert response.context["any_in_stock"] is True
    red, pink = inputs(response.text, "listing")
    assert "disabled" in red and "checked" not in red
    assert "checked" in pink  # the pink one, still in stock, is chosen
    assert text_of(response.text, "stock") == "5"

    Sku.objects.filter(pk=mall.lipstick_pink.sku_id).update(stock=0)
    response = client.get(url)
    assert response.context["any_in_stock"] is False
    assert "立即购买" not in response.text and "已售罄" in response.text


def test_a_product_the_merchant_does_not_sell_is_not_found_in_its_store(client, mall):
    other_merchant = make_merchant("别家")
    make_store(other_merchant)
    not_listed = make_product(make_supplier(), name="别人家的货")

    assert client.get(reverse("web:product", args=[mall.store.pk, not_listed.pk])).status_code == 404
    assert client.get(reverse("web:product", args=[mall.store.pk, 999_999])).status_code == 404


def test_browsing_writes_no_session_for_an_anonymous_visitor(client, mall):
    response = client.get(reverse("web:product", args=[mall.store.pk, mall.lipstick.pk]))

    assert "sessionid" not in response.cookies
    assert response.cookies[CURRENT_STORE_COOKIE].value == str(mall.store.pk)
    again = client.get(reverse("web:product", args=[mall.store.pk, mall.lipstick.pk]))
    assert CURRENT_STORE_COOKIE not in again.cookies  # sent again only when it changes


def test_browsing_pages_refuse_to_change_anything(client, mall):
    response = client.post(reverse("web:store_home", args=[mall.store.pk]))
    assert response.status_code == 405
