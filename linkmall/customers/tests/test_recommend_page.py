import secrets

import pytest
from django.urls import reverse

from linkmall import testing
from linkmall.core import clock
from linkmall.customers.models import Event, Visitor
from linkmall.customers.recommend import recommend_cards, recommend_refresh
from linkmall.customers.tracking import VISITOR_COOKIE

pytestmark = pytest.mark.django_db


def shop():
    supplier, merchant = testing.make_supplier(), testing.make_merchant()
    store = testing.make_store(merchant)
    items = [testing.make_product(supplier, name=f"商品{c}") for c in "ABCDE"]
    for product in items:
        testing.make_listing(merchant, product.skus.get())
    return store, items


def visitor() -> Visitor:
    return Visitor.objects.create(key=secrets.token_hex(16), consented_at=clock.now())


def views(v, store, *products):
    for product in products:
        Event.objects.create(dedupe_key=f"e{Event.objects.count()}", kind=Event.Kind.PRODUCT_VIEW, visitor=v,
                             merchant_id=store.merchant_id, store=store, product=product, occurred_at=clock.now())


def trained_shop():
    """A and B are looked at together, C and D together; E is looked at by everyone."""
    store, (a, b, c, d, e) = shop()
    for i in range(4):
        views(visitor(), store, *((a, b, e) if i % 2 == 0 else (c, d, e)))
    recommend_refresh(store_id=store.pk)
    return store, (a, b, c, d, e)


def test_the_cached_product_page_only_holds_the_placeholder_the_beacon_and_the_consent_notice(client):
    store, (a, *_) = trained_shop()
    html = client.get(reverse("web:product", args=[store.pk, a.pk])).text
    fragment = reverse("web:product_recommend", args=[store.pk, a.pk])
    assert f'hx-get="{fragment}" hx-trigger="load" hx-swap="outerHTML"' in html
    assert (f'data-page="product" data-merchant="{store.merchant_id}" data-store="{store.pk}" data-guide="" '
            f'data-product="{a.pk}" data-shared-by=""') in html
    assert 'id="lm-consent"' in html
    assert "猜你喜欢" not in html  # nothing personal in the shared page


def test_the_fragment_recommends_what_is_seen_with_the_product_for_this_visitor(client, django_assert_num_queries):
    store, (a, b, c, d, e) = trained_shop()
    me = visitor()
    views(me, store, c)
    client.cookies[VISITOR_COOKIE] = me.key
    url = reverse("web:product_recommend", args=[store.pk, a.pk])
    # store, visitor, recommend (store, history, neighbours, popularity, listed), product cards
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    names = [card.name for card in recommend_cards(store_id=store.pk, visitor=me, product_id=a.pk, k=6)]
    # E sits with both A (on screen) and C (viewed), then A's partner B, then C's partner D; never A itself
    assert names == ["商品E", "商品B", "商品D", "商品C"]
    html = response.text
    assert html.count('class="product-card"') == 4
    assert f'href="/s/{store.pk}/p/{b.pk}/"' in html and f'href="/s/{store.pk}/p/{a.pk}/"' not in html


def test_a_store_without_history_answers_an_empty_fragment_and_an_unknown_store_404(client):
    store, (a, *_) = shop()
    response = client.get(reverse("web:product_recommend", args=[store.pk, a.pk]))
    assert response.status_code == 200 and response.text.strip() == ""
    assert client.get(reverse("web:product_recommend", args=[10**6, a.pk])).status_code == 404
