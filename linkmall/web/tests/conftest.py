"""A small mall for the page tests: one merchant with a store, selling from two suppliers."""

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from linkmall.catalog.models import Product, Sku, Supplier
from linkmall.stores.models import Listing, Merchant, Store
from linkmall.testing import (
    make_address,
    make_category,
    make_consumer,
    make_listing,
    make_merchant,
    make_product,
    make_store,
    make_supplier,
)


@dataclass
class Mall:
    merchant: Merchant
    store: Store
    supplier_a: Supplier
    supplier_b: Supplier
    lipstick: Product
    lipstick_red: Listing
    lipstick_pink: Listing
    tea: Product
    tea_listing: Listing


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_page_microcache(settings):
    """Page tests see every change at once; the one-second page cache has tests of its own."""
    settings.LINKMALL = {**settings.LINKMALL, "PAGE_MICROCACHE_SECONDS": 0}


@pytest.fixture
def page_microcache(settings):
    settings.LINKMALL = {**settings.LINKMALL, "PAGE_MICROCACHE_SECONDS": 60}


@pytest.fixture
def mall(db) -> Mall:
    merchant = make_merchant("湖滨美妆")
    store = make_store(merchant, name="湖滨银泰店")
    supplier_a, supplier_b = make_supplier("花西子工厂"), make_supplier("西湖龙井茶厂")
    beauty, tea_category = make_category("美妆"), make_category("茶饮")
    lipstick = make_product(supplier_a, name="丝绒口红", category=beauty, skus=2, cost_fen=3000,
                            price_fen=12900, stock=5)
    lipstick.spec_names = ["色号"]
    lipstick.description = "哑光质地，持久不脱色。"
    lipstick.save()
    red, pink = lipstick.skus.order_by("pk")
    Sku.objects.filter(pk=red.pk).update(spec={"色号": "正红"})
    Sku.objects.filter(pk=pink.pk).update(spec={"色号": "豆沙粉"})
    tea = make_product(supplier_b, name="明前龙井 250g", category=tea_category, cost_fen=8000, price_fen=19800)
    return Mall(
        merchant=merchant, store=store, supplier_a=supplier_a, supplier_b=supplier_b,
        lipstick=lipstick, lipstick_red=make_listing(merchant, red, price_fen=9900),
        lipstick_pink=make_listing(merchant, pink, price_fen=10900),
        tea=tea, tea_listing=make_listing(merchant, tea.skus.get(), price_fen=16800),
    )


@pytest.fixture
def consumer(db):
    return make_consumer()


@pytest.fixture
def consumer_client(client, consumer):
    client.force_login(consumer)
    return client


@pytest.fixture
def address(consumer):
    return make_address(consumer)
