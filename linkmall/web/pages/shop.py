"""Browsing: the store list, a store's home and categories, and the product page."""

import hashlib
import json

from django.core.cache import cache
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from linkmall.accounts.models import Role
from linkmall.core.errors import NotFound
from linkmall.customers.recommend import recommend_cards
from linkmall.customers.tracking import visitor_for_request
from linkmall.stores import selectors as store_selectors
from linkmall.web.pages import pagecache
from linkmall.web.pages.common import current_store_id, not_found_as_404, remember_store

#: how long a rendered product body stays cached; the key already changes with any change of
#: price, stock, images or text, so this only bounds memory held by products nobody views
PRODUCT_BODY_TTL_SECONDS = 600


def _store_or_404(store_id: int):
    try:
        return store_selectors.store_get(store_id=store_id)
    except NotFound as exc:
        not_found_as_404(exc)


@require_GET
def home(request):
    stores = store_selectors.store_list()
    return render(request, "web/home.html", {
        "stores": stores, "current_store_id": current_store_id(request), "active_tab": "home",
    })


@require_GET
def store_home(request, store_id: int):
    def build():
        store = _store_or_404(store_id)
        shelf = store_selectors.store_home(store=store)
        return "web/store_home.html", {
            "store": store, "categories": shelf.categories, "products": shelf.products, "active_tab": "home",
            "tab_store_id": store.pk,
        }

    response = pagecache.page(request, pagecache.key_for(request, "store", store_id), build)
    return remember_store(request, response, store_id)


@require_GET
def store_categories(request, store_id: int):
    def build():
        store = _store_or_404(store_id)
        shelf = store_selectors.store_home(store=store)
        return "web/store_categories.html", {
            "store": store, "categories": shelf.categories, "active_tab": "categories", "tab_store_id": store.pk,
        }

    response = pagecache.page(request, pagecache.key_for(request, "categories", store_id), build)
    return remember_store(request, response, store_id)


@require_GET
def category(request, store_id: int, slug: str):
    def build():
        store = _store_or_404(store_id)
        try:
            shelf = store_selectors.store_category_products(store=store, category_slug=slug)
        except NotFound as exc:
            not_found_as_404(exc)
        return "web/category.html", {
            "store": store, "category": shelf.category, "products": shelf.products, "active_tab": "categories",
            "tab_store_id": store.pk,
        }

    response = pagecache.page(request, pagecache.key_for(request, "category", store_id, slug), build)
    return remember_store(request, response, store_id)


def _product_body_key(detail, language: str) -> str:
    """A key that changes whenever anything shown in the body changes: price, stock, images, text.

    The selector reads price and stock live on every request (two queries); only the rendering
    is reused, so a buyer never sees stale stock.
    """
    product = detail.product
    version = json.dumps([
        product.name, product.subtitle, product.description, product.spec_names, str(product.updated_at),
        detail.image_urls,
        [(o.listing_id, o.spec, o.price_fen, o.suggested_price_fen, o.stock) for o in detail.options],
    ], ensure_ascii=False, sort_keys=True, default=str)
    digest = hashlib.blake2b(version.encode(), digest_size=16).hexdigest()
    return f"web:product-body:{detail.store.pk}:{product.pk}:{language}:{digest}"


def _render_product_body(request, detail) -> str:
    key = _product_body_key(detail, get_language() or "")
    body = cache.get(key)
    if body is None:
        options = [{
            "listing_id": o.listing_id, "label": o.spec_label or detail.product.name, "price_fen": o.price_fen,
            "suggested_price_fen": o.suggested_price_fen, "stock": o.stock,
        } for o in detail.options]
        in_stock = [o for o in options if o["stock"] > 0]
        body = render_to_string("web/_product_body.html", {
            "detail": detail, "product": detail.product, "options": options,
            "selected": (in_stock or options)[0], "any_in_stock": bool(in_stock),
        })
        cache.set(key, body, PRODUCT_BODY_TTL_SECONDS)
    return mark_safe(body)  # noqa: S308 — rendered by our own autoescaping template above


@require_GET
def product(request, store_id: int, product_id: int):
    def build():
        store = _store_or_404(store_id)
        try:
            detail = store_selectors.store_product_detail(store=store, product_id=product_id)
        except NotFound as exc:
            not_found_as_404(exc)
        return "web/product.html", {
            "store": store, "product": detail.product, "body": _render_product_body(request, detail),
            "any_in_stock": detail.total_stock > 0, "active_tab": "home", "tab_store_id": store.pk,
        }

    response = pagecache.page(request, pagecache.key_for(request, "product", store_id, product_id), build)
    return remember_store(request, response, store_id)


@require_GET
@never_cache
def product_recommend(request, store_id: int, product_id: int):
    """The product page's personal "you may also like" block, fetched by htmx after the cached page.

    Personal data never enters the shared page cache: this fragment is rendered per request and
    marked uncacheable. An empty answer removes the placeholder.
    """
    store = _store_or_404(store_id)
    user = request.user if request.user.is_authenticated and request.user.role == Role.CONSUMER else None
    cards = recommend_cards(store_id=store.pk, user_id=user.pk if user else None,
                            visitor=visitor_for_request(request), product_id=product_id, k=6)
    return render(request, "customers/_recommend.html", {"store": store, "products": cards})
