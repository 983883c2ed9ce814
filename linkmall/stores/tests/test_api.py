import pytest

from linkmall.accounts.services import api_token_issue
from linkmall.catalog.models import Product
from linkmall.stores.models import Guide, Listing, Store
from linkmall.testing import (
    make_category,
    make_listing,
    make_merchant,
    make_merchant_owner,
    make_product,
    make_store,
    make_supplier,
    make_supplier_staff,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/stores"


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


@pytest.fixture
def merchant():
    return make_merchant()


@pytest.fixture
def auth(merchant):
    return bearer(make_merchant_owner(merchant))


@pytest.fixture
def intruder():
    return bearer(make_merchant_owner(make_merchant()))


@pytest.fixture
def sku():
    return make_product(make_supplier(), name="口红", cost_fen=5000, price_fen=9900, stock=12).skus.get()


def post(client, url, data, headers):
    return client.post(url, data, content_type="application/json", **headers)


def patch(client, url, data, headers):
    return client.patch(url, data, content_type="application/json", **headers)


# --- public -------------------------------------------------------------------------------------


def test_the_store_list_is_public_and_runs_one_query(client, merchant, django_assert_num_queries):
    make_store(merchant, name="文三路店")
    make_store(make_merchant(), name="别家店")
    with django_assert_num_queries(1):
        response = client.get(f"{API}/")
    assert sorted(s["name"] for s in response.json()) == ["别家店", "文三路店"]


def test_nearest_and_nearby(client, merchant):
    store = make_store(merchant)
    response = client.get(f"{API}/nearest?latitude=30.27&longitude=120.15")
    assert (response.status_code, response.json()["store"]["id"]) == (200, store.pk)
    assert client.get(f"{API}/nearby?latitude=30.27&longitude=120.15").json()[0]["distance_m"] < 1000
    assert client.get(f"{API}/nearest?latitude=95&longitude=120.15").status_code == 400
    assert client.get(f"{API}/nearest?latitude=abc&longitude=120.15").status_code == 422


def test_store_home_category_and_product_pages(client, merchant, sku, django_assert_num_queries):
    store = make_store(merchant)
    listing = make_listing(merchant, sku, price_fen=12900)
    with django_assert_num_queries(2):  # store, shelves
        home = client.get(f"{API}/{store.pk}/home").json()
    assert [(p["name"], p["min_price"], p["total_stock"]) for p in home["products"]] == [("口红", "129.00", 12)]
    slug = home["categories"][0]["slug"]
    with django_assert_num_queries(3):  # store, category, shelf
        shelf = client.get(f"{API}/{store.pk}/categories/{slug}").json()
    assert [p["product_id"] for p in shelf["products"]] == [sku.product_id]
    with django_assert_num_queries(3):  # store, listings, images
        detail = client.get(f"{API}/{store.pk}/products/{sku.product_id}").json()
    assert detail["options"] == [{"listing_id": listing.pk, "sku_id": sku.pk, "spec": {"规格": "款1"}, "spec_label": "款1",
                                  "price_fen": 12900, "price": "129.00", "suggested_price_fen": 9900, "stock": 12}]


def test_a_product_of_another_merchants_store_is_404_here(client, merchant, sku):
    make_listing(make_merchant(), sku)
    store = make_store(merchant)
    assert client.get(f"{API}/{store.pk}/products/{sku.product_id}").json()["code"] == "not_found"
    assert client.get(f"{API}/987654/home").status_code == 404
    assert client.get(f"{API}/{store.pk}/categories/nothing").status_code == 404


# --- merchant: stores ------------------------------------------------------------------------------


def test_owner_creates_lists_and_updates_stores(client, merchant, auth, django_assert_num_queries):
    response = post(client, f"{API}/merchant/stores", {"name": "文三路店", "city": "杭州", "address": "文三路1号",
                                                      "latitude": "30.274085", "longitude": "120.155070"}, auth)
    assert response.status_code == 201
    store_id = response.json()["id"]
    make_store(make_merchant(), name="别家店")
    with django_assert_num_queries(2):  # token, stores
        assert [s["name"] for s in client.get(f"{API}/merchant/stores", **auth).json()] == ["文三路店"]
    assert patch(client, f"{API}/merchant/stores/{store_id}", {"opening_hours": "10:00-22:00"}, auth).json()[
        "opening_hours"] == "10:00-22:00"


def test_a_store_outside_china_answers_400_and_is_not_created(client, auth):
    response = post(client, f"{API}/merchant/stores", {"name": "店", "city": "杭州", "address": "某路",
                                                      "latitude": "120.15", "longitude": "30.27"}, auth)
    assert (response.status_code, list(response.json()["detail"]["fields"])) == (400, ["latitude", "longitude"])
    assert Store.objects.count() == 0


def test_another_merchants_store_answers_404_and_is_unchanged(client, merchant, intruder):
    store = make_store(merchant, name="原名")
    assert patch(client, f"{API}/merchant/stores/{store.pk}", {"name": "改"}, intruder).status_code == 404
    store.refresh_from_db()
    assert store.name == "原名"
    assert client.get(f"{API}/merchant/stores", **intruder).json() == []


def test_suppliers_cannot_use_the_merchant_api(client):
    supplier_staff = bearer(make_supplier_staff(make_supplier()))
    assert client.get(f"{API}/merchant/stores", **supplier_staff).status_code == 403
    assert client.get(f"{API}/merchant/stores").status_code == 401


# --- merchant: guides ------------------------------------------------------------------------------


def test_owner_adds_and_lists_guides(client, merchant, auth, django_assert_num_queries):
    store = make_store(merchant)
    response = post(client, f"{API}/merchant/guides", {"store_id": store.pk, "phone": "13912345678",
                                                      "display_name": "小美", "title": "顾问"}, auth)
    assert response.status_code == 201
    assert (response.json()["display_name"], response.json()["store_name"]) == ("小美", store.name)
    post(client, f"{API}/merchant/guides", {"store_id": store.pk, "phone": "13912345679", "display_name": "小丽"}, auth)
    with django_assert_num_queries(2):
        assert [g["display_name"] for g in client.get(f"{API}/merchant/guides", **auth).json()] == ["小美", "小丽"]


def test_a_taken_phone_answers_409(client, merchant, auth):
    store = make_store(merchant)
    post(client, f"{API}/merchant/guides", {"store_id": store.pk, "phone": "13912345678", "display_name": "小美"}, auth)
    response = post(client, f"{API}/merchant/guides", {"store_id": store.pk, "phone": "13912345678",
                                                      "display_name": "小丽"}, auth)
    assert (response.status_code, response.json()["code"]) == (409, "phone_taken")
    assert Guide.objects.count() == 1


def test_guides_of_another_merchant_answer_404_and_are_unchanged(client, merchant, auth, intruder):
    store = make_store(merchant)
    guide_id = post(client, f"{API}/merchant/guides", {"store_id": store.pk, "phone": "13912345678",
                                                      "display_name": "小美"}, auth).json()["id"]
    assert patch(client, f"{API}/merchant/guides/{guide_id}", {"is_active": False}, intruder).status_code == 404
    assert post(client, f"{API}/merchant/guides", {"store_id": store.pk, "phone": "13912345670",
                                                  "display_name": "卧底"}, intruder).status_code == 404
    assert Guide.objects.get(pk=guide_id).is_active is True
    assert Guide.objects.count() == 1
    assert client.get(f"{API}/merchant/guides", **intruder).json() == []


# --- merchant: catalog and listings ----------------------------------------------------------------


def test_the_supplier_catalog_shows_cost_suggested_price_stock_and_my_pick(client, merchant, auth, sku,
                                                                          django_assert_num_queries):
    make_product(make_supplier(), name="面霜", skus=3)
    archived = make_product(make_supplier(), name="已下架")
    Product.objects.filter(pk=archived.pk).update(status=Product.Status.ARCHIVED)
    make_listing(merchant, sku, price_fen=12900, pool_fen=1000)
    with django_assert_num_queries(3):  # token, count, page
        body = client.get(f"{API}/merchant/catalog", **auth).json()
    assert body["count"] == 4
    first = body["items"][0]
    assert (first["product_name"], first["cost_fen"], first["suggested_price_fen"], first["stock"], first["my_price_fen"],
            first["my_pool_fen"], first["my_listing_active"]) == ("口红", 5000, 9900, 12, 12900, 1000, True)
    assert body["items"][1]["my_listing_id"] is None
    assert [i["product_name"] for i in client.get(f"{API}/merchant/catalog?search=口红", **auth).json()["items"]] == ["口红"]


def test_pick_update_and_unpick_through_the_api(client, merchant, auth, sku):
    response = post(client, f"{API}/merchant/listings", {"sku_id": sku.pk, "price_fen": 12900, "pool_fen": 2000}, auth)
    assert response.status_code == 201
    listing = response.json()
    assert (listing["price"], listing["cost_fen"], listing["stock"], listing["below_cost"]) == ("129.00", 5000, 12, False)
    updated = patch(client, f"{API}/merchant/listings/{listing['id']}", {"price_fen": 11900}, auth).json()
    assert updated["price_fen"] == 11900
    assert client.delete(f"{API}/merchant/listings/{listing['id']}", **auth).json()["is_active"] is False


def test_picking_below_cost_answers_400_price_below_cost_and_lists_nothing(client, auth, sku):
    response = post(client, f"{API}/merchant/listings", {"sku_id": sku.pk, "price_fen": 4999}, auth)
    assert response.status_code == 400
    assert response.json() == {"code": "price_below_cost", "message": "The price is below the supplier's cost.",
                               "detail": {"price_fen": 4999, "cost_fen": 5000}}
    assert Listing.objects.count() == 0


def test_my_listings_show_live_stock_in_a_fixed_number_of_queries(client, merchant, auth, django_assert_num_queries):
    for _ in range(5):
        make_listing(merchant, make_product(make_supplier(), stock=7).skus.get())
    make_listing(make_merchant(), make_product(make_supplier()).skus.get())
    with django_assert_num_queries(3):  # token, count, page
        body = client.get(f"{API}/merchant/listings", **auth).json()
    assert (body["count"], {i["stock"] for i in body["items"]}) == (5, {7})


def test_another_merchants_listing_answers_404_and_is_unchanged(client, merchant, intruder, sku):
    listing = make_listing(merchant, sku, price_fen=9900)
    assert client.get(f"{API}/merchant/listings/{listing.pk}", **intruder).status_code == 404
    assert patch(client, f"{API}/merchant/listings/{listing.pk}", {"price_fen": 19900}, intruder).status_code == 404
    assert client.delete(f"{API}/merchant/listings/{listing.pk}", **intruder).status_code == 404
    listing.refresh_from_db()
    assert (listing.price_fen, listing.is_active) == (9900, True)
    assert client.get(f"{API}/merchant/listings", **intruder).json()["count"] == 0


def test_picking_an_unknown_sku_answers_404(client, auth):
    assert post(client, f"{API}/merchant/listings", {"sku_id": 987654, "price_fen": 100}, auth).status_code == 404


def test_category_filter_in_the_supplier_catalog(client, auth):
    beauty = make_category("美妆")
    make_product(make_supplier(), name="口红", category=beauty)
    make_product(make_supplier(), name="茶叶")
    items = client.get(f"{API}/merchant/catalog?category={beauty.slug}", **auth).json()["items"]
    assert [i["product_name"] for i in items] == ["口红"]
