"""The flash-sale API: the hall, an attempt (201 with the order, 409 with the refusal's code), and
the merchant's create / list / status, with their 4xx answers."""

from datetime import timedelta

import pytest

from linkmall import testing as t
from linkmall.accounts.services.tokens import api_token_issue
from linkmall.campaigns.models import FlashSale
from linkmall.campaigns.services.flash import FlashSaleFields, flash_sale_create
from linkmall.campaigns.tests.factories import T0
from linkmall.catalog.models import Sku
from linkmall.core import clock
from linkmall.orders.models import Order

pytestmark = pytest.mark.django_db

API = "/api/v1/campaigns"


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


@pytest.fixture
def mall():
    clock.freeze(T0)
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=4000, price_fen=10000, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=10000)
    owner = t.make_merchant_owner(merchant)
    sale = flash_sale_create(actor=owner, merchant=merchant, fields=FlashSaleFields(
        listing_id=listing.pk, name="20点场", starts_at=T0 + timedelta(hours=1), ends_at=T0 + timedelta(hours=2),
        price_fen=5900, stock=1))
    return {"merchant": merchant, "listing": listing, "owner": owner, "sale": sale}


def post(client, url, body, user):
    return client.post(url, body, content_type="application/json", **bearer(user))


def test_the_hall_lists_the_coming_slot_with_its_state(client, mall):
    answer = client.get(f"{API}/flash", {"merchant_id": mall["merchant"].pk})

    assert answer.status_code == 200
    [slot] = answer.json()
    assert (slot["id"], slot["state"], slot["price_fen"], slot["list_fen"], slot["sold_percent"]) == (
        mall["sale"].pk, "not_started", 5900, 10000, 0)


def test_an_attempt_answers_201_with_the_order_then_409_sold_out(client, mall):
    clock.freeze(T0 + timedelta(hours=1))
    first, second = t.make_consumer(), t.make_consumer()
    url = f"{API}/flash/{mall['sale'].pk}/attempts"

    won = post(client, url, {"address_id": t.make_address(first).pk, "client_token": "a"}, first)
    lost = post(client, url, {"address_id": t.make_address(second).pk, "client_token": "b"}, second)

    assert won.status_code == 201
    assert Order.objects.get(number=won.json()["number"]).total_fen == won.json()["total_fen"] == 5900
    assert (lost.status_code, lost.json()["code"]) == (409, "flash_sold_out")
    assert Order.objects.filter(buyer=second).count() == 0


def test_an_attempt_before_the_start_is_409_and_bad_input_is_4xx(client, mall):
    buyer = t.make_consumer()
    address = t.make_address(buyer)
    url = f"{API}/flash/{mall['sale'].pk}/attempts"

    early = post(client, url, {"address_id": address.pk, "client_token": "a"}, buyer)
    assert (early.status_code, early.json()["code"]) == (409, "flash_not_started")
    assert post(client, f"{API}/flash/999999/attempts", {"address_id": address.pk, "client_token": "a"},
                buyer).status_code == 404
    assert post(client, url, {"address_id": address.pk, "client_token": ""}, buyer).status_code in (400, 422)
    # someone else's address is not found; a merchant's staff may not buy
    assert post(client, url, {"address_id": address.pk, "client_token": "a"}, mall["owner"]).status_code == 404
    owners = t.make_address(mall["owner"])
    assert post(client, url, {"address_id": owners.pk, "client_token": "a"}, mall["owner"]).status_code == 403
    assert client.post(url, {"address_id": address.pk, "client_token": "a"},
                       content_type="application/json").status_code == 401


def test_the_merchant_creates_lists_and_ends_a_sale(client, mall):
    body = {"listing_id": mall["listing"].pk, "name": "14点场", "starts_at": (T0 + timedelta(hours=4)).isoformat(),
            "ends_at": (T0 + timedelta(hours=5)).isoformat(), "price_fen": 3000, "stock": 5}

    below = post(client, f"{API}/merchant/flash-sales", body, mall["owner"])
    assert (below.status_code, below.json()["code"]) == (400, "campaign_below_cost")
    created = post(client, f"{API}/merchant/flash-sales", {**body, "accept_loss": True}, mall["owner"])
    assert created.status_code == 201
    too_many = post(client, f"{API}/merchant/flash-sales", {**body, "stock": 1000, "accept_loss": True},
                    mall["owner"])
    assert (too_many.status_code, too_many.json()["code"]) == (409, "out_of_stock")

    listed = client.get(f"{API}/merchant/flash-sales", **bearer(mall["owner"]))
    assert [row["name"] for row in listed.json()["items"]] == ["14点场", "20点场"]

    sale_id = created.json()["id"]
    ended = post(client, f"{API}/merchant/flash-sales/{sale_id}/status", {"status": "ended"}, mall["owner"])
    assert (ended.status_code, ended.json()["status"], ended.json()["returned"]) == (200, "ended", 5)
    assert Sku.objects.get(pk=mall["listing"].sku_id).stock == 99
    other = t.make_merchant_owner(t.make_merchant())
    assert post(client, f"{API}/merchant/flash-sales/{mall['sale'].pk}/status", {"status": "paused"},
                other).status_code == 404
    assert FlashSale.objects.get(pk=mall["sale"].pk).status == "active"
