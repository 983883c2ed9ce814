import pytest

from linkmall import testing
from linkmall.core.tasks import run_due
from linkmall.orders.models import CartLine, Order
from linkmall.orders.services import fulfilment_ship
from linkmall.orders.tests.factories import make_shop, place, stock_of
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


def place_body(shop, **extra):
    body = {
        "merchant_id": shop.merchant.pk,
        "address_id": shop.address.pk,
        "client_token": "api-1",
        "lines": [{"listing_id": shop.listings[0].pk, "quantity": 2}],
    }
    body.update(extra)
    return body


def test_placing_an_order_through_the_api_and_retrying_it(client, shop):
    as_user(client, shop.buyer)
    first = client.post("/api/v1/orders/", place_body(shop), content_type="application/json")
    again = client.post("/api/v1/orders/", place_body(shop), content_type="application/json")

    assert first.status_code == again.status_code == 201
    data = first.json()
    assert data["id"] == again.json()["id"]
    assert (data["status"], data["total_fen"], data["total"]) == ("pending_payment", 19800, "198.00")
    assert [(line["quantity"], line["unit_price_fen"]) for line in data["lines"]] == [(2, 9900)]
    assert stock_of(shop.skus[0]) == 98


def test_the_api_needs_a_login(client, shop):
    response = client.post("/api/v1/orders/", place_body(shop), content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


@pytest.mark.parametrize(
    "change",
    [
        {"lines": []},
        {"lines": [{"listing_id": 1, "quantity": 0}]},
        {"client_token": ""},
        {"lines": [{"listing_id": "x", "quantity": 1}]},
        {"note": "长" * 201},
    ],
)
def test_bad_input_answers_422_and_places_nothing(client, shop, change):
    as_user(client, shop.buyer)
    response = client.post("/api/v1/orders/", place_body(shop, **change), content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
    assert Order.objects.count() == 0


def test_out_of_stock_answers_409(client, shop):
    as_user(client, shop.buyer)
    body = place_body(shop, lines=[{"listing_id": shop.listings[0].pk, "quantity": 101}])
    response = client.post("/api/v1/orders/", body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (409, "out_of_stock")


def test_someone_elses_address_store_or_listing_answers_404(client, shop):
    other = make_shop()
    as_user(client, shop.buyer)
    for change in (
        {"address_id": other.address.pk},
        {"store_id": testing.make_store(other.merchant).pk},
        {"lines": [{"listing_id": other.listings[0].pk, "quantity": 1}]},
    ):
        response = client.post("/api/v1/orders/", place_body(shop, **change), content_type="application/json")
        assert response.status_code == 404, change
    assert Order.objects.count() == 0


def test_my_orders_are_paged_newest_first_in_a_fixed_number_of_queries(client, shop, django_assert_num_queries):
    orders = [
        place(shop, [(shop.listings[i % 4].pk, 1), (shop.listings[(i + 1) % 4].pk, 1)], token=f"t{i}") for i in range(5)
    ]
    place(make_shop(), token="someone-else")
    as_user(client, shop.buyer)

    # session, user, count, orders, lines, fulfilments (+ supplier join)
    with django_assert_num_queries(6):
        response = client.get("/api/v1/orders/?page=1&page_size=3")
    data = response.json()
    assert (data["total"], data["page"], data["has_next"]) == (5, 1, True)
    assert [o["id"] for o in data["items"]] == [o.pk for o in reversed(orders)][:3]
    second = client.get("/api/v1/orders/?page=2&page_size=3").json()
    assert [o["id"] for o in second["items"]] == [orders[1].pk, orders[0].pk]
    assert client.get("/api/v1/orders/?page_size=51").status_code == 422


def test_another_buyers_order_answers_404_and_cannot_be_cancelled(client, shop):
    order = place(shop)
    stranger = testing.make_consumer()
    as_user(client, stranger)

    assert client.get(f"/api/v1/orders/{order.pk}").status_code == 404
    assert client.post(f"/api/v1/orders/{order.pk}/cancel").status_code == 404
    assert client.post(f"/api/v1/orders/{order.pk}/confirm-receipt").status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_the_buyer_cancels_through_the_api(client, shop):
    order = place(shop)
    as_user(client, shop.buyer)
    response = client.post(f"/api/v1/orders/{order.pk}/cancel")
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    response = client.post(f"/api/v1/orders/{order.pk}/cancel")
    assert (response.status_code, response.json()["code"]) == (409, "order_not_cancellable")


def test_the_cart_through_the_api(client, shop):
    other = make_shop()
    as_user(client, shop.buyer)
    added = client.post(
        "/api/v1/orders/cart", {"listing_id": shop.listings[0].pk, "quantity": 2}, content_type="application/json"
    )
    client.post("/api/v1/orders/cart", {"listing_id": other.listings[0].pk}, content_type="application/json")
    line_id = added.json()["id"]
    assert (
        client.put(f"/api/v1/orders/cart/{line_id}", {"quantity": 5}, content_type="application/json").json()[
            "quantity"
        ]
        == 5
    )
    assert [(c["merchant_id"], c["quantity"]) for c in client.get("/api/v1/orders/cart").json()] == [
        (shop.merchant.pk, 5),
        (other.merchant.pk, 1),
    ]

    response = client.post(
        "/api/v1/orders/cart/checkout",
        {"merchant_id": shop.merchant.pk, "address_id": shop.address.pk, "client_token": "c"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert [line["quantity"] for line in response.json()["lines"]] == [5]
    assert CartLine.objects.filter(user=shop.buyer).count() == 1


def test_someone_elses_cart_line_answers_404(client, shop):
    from linkmall.orders.services import cart_add

    line = cart_add(user=shop.buyer, listing=shop.listings[0], quantity=1)
    as_user(client, testing.make_consumer())
    assert (
        client.put(f"/api/v1/orders/cart/{line.pk}", {"quantity": 3}, content_type="application/json").status_code
        == 404
    )
    assert client.delete(f"/api/v1/orders/cart/{line.pk}").status_code == 404
    line.refresh_from_db()
    assert line.quantity == 1


def test_a_supplier_lists_and_ships_only_its_own_paid_fulfilments(client, shop, django_assert_num_queries):
    paid = place(shop, [(shop.listings[0].pk, 1), (shop.listings[2].pk, 1)])
    pay(paid)
    place(shop, token="unpaid")
    staff = testing.make_supplier_staff(shop.suppliers[0])
    mine = paid.fulfilments.get(supplier=shop.suppliers[0])
    theirs = paid.fulfilments.get(supplier=shop.suppliers[1])
    as_user(client, staff)

    with django_assert_num_queries(5):  # session, user, count, fulfilments + order, lines
        data = client.get("/api/v1/orders/supplier/fulfilments?status=to_ship").json()
    assert [f["id"] for f in data["items"]] == [mine.pk]
    assert "unit_price_fen" not in data["items"][0]["lines"][0]

    ship = {"carrier": "SF", "tracking_number": "SF1234567890"}
    response = client.post(
        f"/api/v1/orders/supplier/fulfilments/{theirs.pk}/ship", ship, content_type="application/json"
    )
    assert response.status_code == 404
    response = client.post(f"/api/v1/orders/supplier/fulfilments/{mine.pk}/ship", ship, content_type="application/json")
    assert (response.status_code, response.json()["status"]) == (200, "shipped")
    theirs.refresh_from_db()
    assert theirs.status == "to_ship"
    bad = client.post(
        f"/api/v1/orders/supplier/fulfilments/{mine.pk}/ship",
        {"carrier": "XX", "tracking_number": "1"},
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_input")


def test_consumers_cannot_list_fulfilments_or_merchant_orders(client, shop):
    as_user(client, shop.buyer)
    assert client.get("/api/v1/orders/supplier/fulfilments").status_code == 403
    assert client.get("/api/v1/orders/merchant/orders").status_code == 403


def test_a_merchant_lists_only_its_own_orders(client, shop, django_assert_num_queries):
    mine = place(shop)
    other = make_shop()
    theirs = place(other)
    as_user(client, testing.make_merchant_owner(shop.merchant))

    with django_assert_num_queries(6):
        data = client.get("/api/v1/orders/merchant/orders").json()
    assert [o["id"] for o in data["items"]] == [mine.pk]
    assert client.get(f"/api/v1/orders/merchant/orders/{theirs.pk}").status_code == 404
    assert client.get(f"/api/v1/orders/merchant/orders/{mine.pk}").status_code == 200


def test_the_buyer_confirms_receipt_through_the_api(client, shop):
    order = place(shop)
    pay(order)
    fulfilment = order.fulfilments.get()
    fulfilment_ship(
        actor=testing.make_supplier_staff(shop.suppliers[0]),
        fulfilment=fulfilment,
        carrier="ZTO",
        tracking_number="ZTO99887766",
    )
    as_user(client, shop.buyer)
    response = client.post(f"/api/v1/orders/{order.pk}/confirm-receipt")
    assert (response.status_code, response.json()["status"]) == (200, "completed")
    run_due()
