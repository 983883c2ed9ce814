"""The product page's one-second cache: same HTML for everyone, each visitor's own CSRF token."""

import pytest
from django.test import Client
from django.urls import reverse

from linkmall.catalog.models import Sku
from linkmall.orders.models import CartLine
from linkmall.web.tests.html import inputs, text_of

pytestmark = pytest.mark.django_db


def test_a_cached_product_page_runs_no_query_and_gives_each_visitor_a_working_csrf_token(
    page_microcache, mall, consumer, django_assert_num_queries
):
    url = reverse("web:product", args=[mall.store.pk, mall.lipstick.pk])
    first = Client(enforce_csrf_checks=True).get(url)

    visitor = Client(enforce_csrf_checks=True)
    visitor.force_login(consumer)
    with django_assert_num_queries(0):
        second = visitor.get(url)

    assert second.text.replace(_token(second), "") == first.text.replace(_token(first), "")
    assert _token(second) != _token(first)
    response = visitor.post(reverse("web:cart_add"), {
        "csrfmiddlewaretoken": _token(second), "listing": mall.lipstick_red.pk, "quantity": 1, "next": url,
    })
    assert response.status_code == 302
    assert CartLine.objects.filter(user=consumer).count() == 1


def test_the_cache_is_skipped_when_a_message_waits_or_the_url_has_a_query(page_microcache, consumer_client, mall):
    url = reverse("web:product", args=[mall.store.pk, mall.lipstick.pk])
    consumer_client.get(url)
    Sku.objects.filter(pk=mall.lipstick_red.sku_id).update(stock=1)

    assert text_of(consumer_client.get(url).text, "stock") == "5"  # within its second: the cached page
    assert text_of(consumer_client.get(url, {"from": "share"}).text, "stock") == "1"

    after_add = consumer_client.post(reverse("web:cart_add"), {"listing": mall.lipstick_red.pk, "quantity": 1,
                                                               "next": url}, follow=True)
    assert text_of(after_add.text, "stock") == "1"
    assert "已加入购物车。" in after_add.text


def test_each_language_has_its_own_cached_page(page_microcache, client, mall):
    url = reverse("web:product", args=[mall.store.pk, mall.lipstick.pk])
    assert "加入购物车" in client.get(url).text

    client.post(reverse("set_language"), {"language": "en", "next": url})

    assert "Add to cart" in client.get(url).text


def _token(response) -> str:
    [field] = inputs(response.text, "csrfmiddlewaretoken")[-1:]
    return field["value"]
