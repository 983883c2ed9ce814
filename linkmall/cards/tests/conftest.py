"""Shared fixtures of the cards tests. Each owner adds their own fixtures below their heading."""

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from linkmall.cards.models import Card
from linkmall.catalog.models import Product
from linkmall.stores.models import Guide, Listing, Merchant, Store
from linkmall.testing import (
    make_category,
    make_guide,
    make_listing,
    make_merchant,
    make_product,
    make_store,
    make_supplier,
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded photos go to a per-test directory, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


# --- the card (engineer C) ------------------------------------------------------------------


@dataclass
class Shop:
    merchant: Merchant
    store: Store
    guide: Guide
    card: Card
    lipstick: Product
    lipstick_listing: Listing
    cream: Product
    cream_listing: Listing
    unlisted: Product


@pytest.fixture
def shop(db) -> Shop:
    merchant = make_merchant("湖滨美妆")
    store = make_store(merchant, name="湖滨银泰店")
    store.opening_hours, store.phone = "10:00-22:00", "0571-88886666"
    store.save()
    guide = make_guide(store)
    guide.user.display_name = "王小美"
    guide.user.save()
    guide.phone, guide.wechat = "13800001234", "xiaomei_wx"
    guide.save()
    supplier, beauty = make_supplier("花西子工厂"), make_category("美妆")
    lipstick = make_product(supplier, name="丝绒口红", category=beauty, cost_fen=3000, price_fen=12900)
    cream = make_product(supplier, name="保湿面霜", category=beauty, cost_fen=8000, price_fen=25900)
    unlisted = make_product(supplier, name="没上架的香水", category=beauty)
    lipstick_listing = make_listing(merchant, lipstick.skus.get())
    cream_listing = make_listing(merchant, cream.skus.get())
    card = Card.objects.create(guide=guide, headline="资深美妆顾问 · 8 年", bio="帮你挑到最适合的口红色号。")
    for product in (cream, lipstick, unlisted):  # one by one: the order the guide chose is the rows' order
        card.featured.add(product)
    return Shop(merchant=merchant, store=store, guide=guide, card=card, lipstick=lipstick,
                lipstick_listing=lipstick_listing, cream=cream, cream_listing=cream_listing, unlisted=unlisted)
