import pytest

from linkmall import testing
from linkmall.orders.models import Fulfilment
from linkmall.orders.tests.factories import make_shop, place
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(shop):
    order = place(shop, [(shop.listings[0].pk, 2), (shop.listings[2].pk, 1)], note="=HYPERLINK(1)")
    pay(order)
    return order


def test_a_supplier_sees_its_parts_to_ship_in_a_fixed_number_of_queries(client, shop, paid, django_assert_num_queries):
    client.force_login(testing.make_supplier_staff(shop.suppliers[0]))
    with django_assert_num_queries(5):  # session, user, count, fulfilments + orders, lines
        response = client.get("/console/supplier/fulfilments/")
    body = response.content.decode()
    assert response.status_code == 200
    assert paid.number in body and shop.listings[0].product.name in body
    assert shop.listings[2].product.name not in body


def test_the_csv_export_lists_lines_and_defuses_formulas(client, shop, paid):
    client.force_login(testing.make_supplier_staff(shop.suppliers[0]))
    response = client.get("/console/supplier/fulfilments/?status=to_ship&format=csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = text.lstrip("\ufeff").splitlines()

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert len(rows) == 2
    assert rows[1].startswith(paid.number + ",")
    assert ",2,0,,," in rows[1]
    assert rows[1].endswith("'=HYPERLINK(1)")


def test_shipping_through_the_form(client, shop, paid):
    fulfilment = paid.fulfilments.get(supplier=shop.suppliers[0])
    client.force_login(testing.make_supplier_staff(shop.suppliers[0]))
    url = f"/console/supplier/fulfilments/{fulfilment.pk}/ship/"
    assert client.get(url).status_code == 200

    bad = client.post(url, {"carrier": "SF", "tracking_number": "1"})
    assert bad.status_code == 400
    fulfilment.refresh_from_db()
    assert fulfilment.status == Fulfilment.Status.TO_SHIP

    response = client.post(url, {"carrier": "SF", "tracking_number": "SF1234567890"})
    assert (response.status_code, response["Location"]) == (302, "/console/supplier/fulfilments/")
    fulfilment.refresh_from_db()
    assert (fulfilment.status, fulfilment.carrier, fulfilment.tracking_number) == (
        Fulfilment.Status.SHIPPED,
        "SF",
        "SF1234567890",
    )


def test_another_suppliers_fulfilment_answers_404(client, shop, paid):
    fulfilment = paid.fulfilments.get(supplier=shop.suppliers[1])
    client.force_login(testing.make_supplier_staff(shop.suppliers[0]))
    url = f"/console/supplier/fulfilments/{fulfilment.pk}/ship/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"carrier": "SF", "tracking_number": "SF1234567890"}).status_code == 404
    fulfilment.refresh_from_db()
    assert fulfilment.status == Fulfilment.Status.TO_SHIP


def test_consoles_refuse_other_roles_and_send_visitors_to_log_in(client, shop):
    assert client.get("/console/supplier/fulfilments/").status_code == 302
    client.force_login(shop.buyer)
    assert client.get("/console/supplier/fulfilments/").status_code == 403
    assert client.get("/console/merchant/orders/").status_code == 403


def test_a_merchant_sees_only_its_own_orders(client, shop, paid, django_assert_num_queries):
    other = make_shop()
    theirs = place(other)
    client.force_login(testing.make_merchant_owner(shop.merchant))
    with django_assert_num_queries(6):  # session, user, count, orders, lines, fulfilments
        response = client.get("/console/merchant/orders/")
    body = response.content.decode()
    assert paid.number in body and theirs.number not in body
    assert "198.00" not in body and "297.00" in body
    assert client.get("/console/merchant/orders/?status=bogus&page=x").status_code == 200
