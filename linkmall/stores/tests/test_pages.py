import pytest

from linkmall.stores.models import Guide, Listing, Store
from linkmall.testing import (
    make_listing,
    make_merchant,
    make_merchant_owner,
    make_product,
    make_store,
    make_supplier,
    make_supplier_staff,
)

pytestmark = pytest.mark.django_db
CONSOLE = "/console/merchant"


@pytest.fixture
def merchant():
    return make_merchant()


@pytest.fixture
def owner_client(client, merchant):
    client.force_login(make_merchant_owner(merchant))
    return client


@pytest.fixture
def sku():
    return make_product(make_supplier(), name="口红", cost_fen=5000, price_fen=9900, stock=12).skus.get()


def test_suppliers_may_not_open_the_merchant_console(client):
    client.force_login(make_supplier_staff(make_supplier()))
    assert client.get(f"{CONSOLE}/").status_code == 403


def test_the_catalog_browser_shows_cost_and_live_stock_in_a_fixed_number_of_queries(owner_client, sku,
                                                                                   django_assert_num_queries):
    for _ in range(4):
        make_product(make_supplier(), skus=2)
    with django_assert_num_queries(5):  # session, user, count, page, categories
        response = owner_client.get(f"{CONSOLE}/catalog/")
    body = response.content.decode()
    assert "口红" in body and "50.00" in body and "99.00" in body


def test_picking_below_cost_is_refused_with_a_clear_message(owner_client, sku):
    response = owner_client.post(f"{CONSOLE}/catalog/{sku.pk}/pick/", {"price": "49.99", "pool": "0"}, follow=True)
    assert "零售价 ¥49.99 低于供货成本 ¥50.00，不能低于成本销售" in response.content.decode()
    assert Listing.objects.count() == 0


def test_picking_at_a_price_and_pool(owner_client, merchant, sku):
    response = owner_client.post(f"{CONSOLE}/catalog/{sku.pk}/pick/", {"price": "129", "pool": "20.5"})
    assert response.status_code == 302
    assert list(Listing.objects.values_list("merchant_id", "sku_id", "price_fen", "pool_fen")) == [
        (merchant.pk, sku.pk, 12900, 2050)]


def test_my_picks_show_live_stock_and_export_csv(owner_client, merchant, sku, django_assert_num_queries):
    make_listing(merchant, sku, price_fen=12900)
    make_listing(make_merchant(), make_product(make_supplier(), name="别家的").skus.get())
    with django_assert_num_queries(4):  # session, user, count, page
        body = owner_client.get(f"{CONSOLE}/").content.decode()
    assert "口红" in body and "别家的" not in body
    lines = b"".join(owner_client.get(f"{CONSOLE}/?format=csv").streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].split(",")[4:8] == ["129.00", "0.00", "50.00", "12"]


def test_update_and_unpick_a_listing(owner_client, merchant, sku):
    listing = make_listing(merchant, sku, price_fen=12900)
    owner_client.post(f"{CONSOLE}/listings/{listing.pk}/", {"price": "119", "pool": "10"})
    listing.refresh_from_db()
    assert (listing.price_fen, listing.pool_fen) == (11900, 1000)
    owner_client.post(f"{CONSOLE}/listings/{listing.pk}/", {"action": "unpick"})
    listing.refresh_from_db()
    assert listing.is_active is False


def test_another_merchants_listing_store_and_guide_answer_404_and_are_unchanged(owner_client, sku):
    other = make_merchant()
    listing = make_listing(other, sku, price_fen=12900)
    store = make_store(other, name="别家店")
    assert owner_client.post(f"{CONSOLE}/listings/{listing.pk}/", {"action": "unpick"}).status_code == 404
    assert owner_client.post(f"{CONSOLE}/listings/{listing.pk}/", {"price": "60"}).status_code == 404
    assert owner_client.get(f"{CONSOLE}/stores/{store.pk}/").status_code == 404
    assert owner_client.post(f"{CONSOLE}/stores/{store.pk}/", {"name": "改"}).status_code == 404
    listing.refresh_from_db()
    store.refresh_from_db()
    assert (listing.is_active, listing.price_fen, store.name) == (True, 12900, "别家店")


def test_add_a_store_and_a_guide(owner_client, merchant):
    owner_client.post(f"{CONSOLE}/stores/", {"name": "文三路店", "city": "杭州", "address": "文三路1号",
                                            "latitude": "30.274085", "longitude": "120.155070"})
    store = Store.objects.get()
    assert store.merchant == merchant
    owner_client.post(f"{CONSOLE}/guides/", {"store": store.pk, "display_name": "小美", "phone": "13912345678"})
    guide = Guide.objects.get()
    assert (guide.store, guide.user.display_name) == (store, "小美")
    body = owner_client.get(f"{CONSOLE}/guides/").content.decode()
    assert "小美" in body


def test_a_store_outside_china_is_refused_with_the_field_named(owner_client):
    response = owner_client.post(f"{CONSOLE}/stores/", {"name": "店", "city": "杭州", "address": "某路",
                                                       "latitude": "120.15", "longitude": "30.27"})
    assert response.status_code == 200
    assert "latitude" in response.content.decode()
    assert Store.objects.count() == 0


def test_a_guide_cannot_be_added_to_another_merchants_store(owner_client, merchant):
    make_store(merchant)
    other_store = make_store(make_merchant())
    response = owner_client.post(f"{CONSOLE}/guides/", {"store": other_store.pk, "display_name": "卧底",
                                                       "phone": "13912345678"})
    assert response.status_code == 200  # not one of the choices: the form refuses it
    assert Guide.objects.count() == 0
