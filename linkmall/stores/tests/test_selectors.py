from decimal import Decimal

import pytest

from linkmall.catalog.models import Product, ProductImage, Sku
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.stores.models import Store
from linkmall.stores.selectors import (
    haversine_m,
    nearest_store,
    store_category_products,
    store_get,
    store_home,
    store_list,
    store_product_detail,
    stores_nearby,
)
from linkmall.testing import make_category, make_listing, make_merchant, make_product, make_store, make_supplier

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    supplier = make_supplier()
    merchant = make_merchant()
    store = make_store(merchant)
    beauty = make_category("美妆")
    food = make_category("食品")
    lipstick = make_product(supplier, name="口红", category=beauty, skus=2, cost_fen=3000, price_fen=9900, stock=7)
    cream = make_product(supplier, name="面霜", category=beauty, skus=1, stock=0)
    tea = make_product(supplier, name="龙井", category=food, skus=1, stock=4)
    red, pink = lipstick.skus.order_by("pk")
    make_listing(merchant, red, price_fen=12900)
    make_listing(merchant, pink, price_fen=10900)
    make_listing(merchant, cream.skus.get(), price_fen=20000)
    make_listing(merchant, tea.skus.get(), price_fen=5800)
    ProductImage.objects.create(product=lipstick, image="products/lipstick-2.jpg", position=2)
    ProductImage.objects.create(product=lipstick, image="products/lipstick-1.jpg", position=1)
    return {"store": store, "merchant": merchant, "supplier": supplier, "beauty": beauty, "food": food,
            "lipstick": lipstick, "cream": cream, "tea": tea, "red": red, "pink": pink}


def test_store_get_finds_an_open_store_with_its_merchant(shop, django_assert_num_queries):
    with django_assert_num_queries(1):
        store = store_get(store_id=shop["store"].pk)
        assert store.merchant.name == shop["merchant"].name


def test_a_closed_store_is_not_found(shop):
    Store.objects.filter(pk=shop["store"].pk).update(is_active=False)
    with pytest.raises(NotFound):
        store_get(store_id=shop["store"].pk)


def test_store_home_lists_one_card_per_product_with_lowest_price_and_live_stock(shop, django_assert_num_queries):
    with django_assert_num_queries(1):
        home = store_home(store=shop["store"])
    cards = {c.name: c for c in home.products}
    assert list(cards) == ["口红", "面霜", "龙井"]
    assert cards["口红"].min_price_fen == 10900
    assert cards["口红"].min_price == "109.00"
    assert cards["口红"].total_stock == 14
    assert cards["口红"].main_image_url == "/media/products/lipstick-1.jpg"
    assert cards["面霜"].in_stock is False
    assert cards["龙井"].main_image_url == ""
    assert [(c.name, c.product_count) for c in home.categories] == [("美妆", 2), ("食品", 1)]


def test_store_home_runs_one_query_however_many_products(shop, django_assert_num_queries):
    for _ in range(5):
        product = make_product(shop["supplier"], category=shop["food"], skus=3)
        for sku in product.skus.all():
            make_listing(shop["merchant"], sku)
    with django_assert_num_queries(1):
        home = store_home(store=shop["store"])
    assert len(home.products) == 8


def test_store_home_shows_stock_as_the_supplier_has_it_now(shop):
    Sku.objects.filter(pk=shop["red"].pk).update(stock=1)
    card = next(c for c in store_home(store=shop["store"]).products if c.name == "口红")
    assert card.total_stock == 8


def test_store_home_hides_unpicked_inactive_and_archived_things(shop):
    shop["red"].listings.update(is_active=False)
    Sku.objects.filter(pk=shop["pink"].pk).update(is_active=False)
    Product.objects.filter(pk=shop["tea"].pk).update(status=Product.Status.ARCHIVED)
    make_product(shop["supplier"], name="未选品")
    home = store_home(store=shop["store"])
    assert [c.name for c in home.products] == ["面霜"]


def test_store_home_shows_only_its_own_merchants_listings(shop):
    other_merchant = make_merchant()
    make_listing(other_merchant, make_product(shop["supplier"], name="别家的").skus.get())
    assert "别家的" not in [c.name for c in store_home(store=shop["store"]).products]
    assert store_home(store=make_store(other_merchant)).products[0].name == "别家的"


def test_a_category_shelf_includes_its_sub_categories(shop, django_assert_num_queries):
    lip_gloss = make_category("唇彩")
    lip_gloss.parent = shop["beauty"]
    lip_gloss.save()
    gloss = make_product(shop["supplier"], name="唇釉", category=lip_gloss)
    make_listing(shop["merchant"], gloss.skus.get())
    with django_assert_num_queries(2):
        shelf = store_category_products(store=shop["store"], category_slug=shop["beauty"].slug)
    assert shelf.category == shop["beauty"]
    assert [c.name for c in shelf.products] == ["口红", "面霜", "唇釉"]


def test_an_unknown_category_is_not_found(shop):
    with pytest.raises(NotFound):
        store_category_products(store=shop["store"], category_slug="no-such-thing")


def test_product_detail_lists_each_picked_sku_with_price_and_live_stock(shop, django_assert_num_queries):
    Sku.objects.filter(pk=shop["pink"].pk).update(stock=2)
    with django_assert_num_queries(2):
        detail = store_product_detail(store=shop["store"], product_id=shop["lipstick"].pk)
        assert detail.product.category.name == "美妆"
    assert detail.image_urls == ["/media/products/lipstick-1.jpg", "/media/products/lipstick-2.jpg"]
    assert [(o.sku_id, o.spec_label, o.price_fen, o.stock) for o in detail.options] == [
        (shop["red"].pk, "款1", 12900, 7),
        (shop["pink"].pk, "款2", 10900, 2),
    ]
    assert detail.min_price == "109.00"
    assert detail.total_stock == 9


def test_product_detail_runs_two_queries_however_many_skus(shop, django_assert_num_queries):
    product = make_product(shop["supplier"], skus=12)
    for sku in product.skus.all():
        make_listing(shop["merchant"], sku)
    with django_assert_num_queries(2):
        detail = store_product_detail(store=shop["store"], product_id=product.pk)
    assert len(detail.options) == 12


def test_a_product_the_store_does_not_sell_is_not_found(shop):
    other = make_product(shop["supplier"])
    with pytest.raises(NotFound):
        store_product_detail(store=shop["store"], product_id=other.pk)
    Product.objects.filter(pk=shop["tea"].pk).update(status=Product.Status.ARCHIVED)
    with pytest.raises(NotFound):
        store_product_detail(store=shop["store"], product_id=shop["tea"].pk)


def test_haversine_hangzhou_to_shanghai_is_about_165_km():
    assert round(haversine_m(30.274085, 120.155070, 31.230416, 121.473701) / 1000) == 165


def test_nearest_store_picks_the_closest_open_store():
    merchant = make_merchant()
    west_lake = make_store(merchant, name="西湖店")
    bund = make_store(merchant, name="外滩店")
    bund.latitude, bund.longitude = Decimal("31.240000"), Decimal("121.490000")
    bund.save()
    nearest = nearest_store(latitude="31.23", longitude="121.47")
    assert nearest.store == bund
    assert 1500 < nearest.distance_m < 3000
    assert [n.store for n in stores_nearby(latitude=30.27, longitude=120.15)] == [west_lake, bund]
    Store.objects.filter(pk=bund.pk).update(is_active=False)
    assert nearest_store(latitude="31.23", longitude="121.47").store == west_lake


def test_nearest_store_is_none_without_stores():
    assert nearest_store(latitude=30, longitude=120) is None


@pytest.mark.parametrize("lat,lng", [(91, 120), (30, 181), ("north", 120)])
def test_nearest_store_refuses_coordinates_out_of_range(lat, lng):
    with pytest.raises(InvalidInput):
        nearest_store(latitude=lat, longitude=lng)


def test_store_list_can_filter_by_city(django_assert_num_queries):
    merchant = make_merchant()
    make_store(merchant, name="杭州店")
    with django_assert_num_queries(1):
        assert [s.name for s in store_list(city="杭州")] == ["杭州店"]
    assert store_list(city="北京") == []


def test_a_listing_whose_cost_rose_above_its_price_is_not_shown(shop):
    Sku.objects.filter(pk=shop["tea"].skus.get().pk).update(cost_fen=6000)
    assert "龙井" not in [c.name for c in store_home(store=shop["store"]).products]
    with pytest.raises(NotFound):
        store_product_detail(store=shop["store"], product_id=shop["tea"].pk)
