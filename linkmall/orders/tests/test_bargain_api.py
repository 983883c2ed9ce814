"""The bargain API: a shop's activities, start, help (201, then 409 with the refusal's code), view
with masked helpers, buy (201 with the order), and the merchant's create / list / status."""

from datetime import timedelta

import pytest

from linkmall import testing as t
from linkmall.accounts.services.tokens import api_token_issue
from linkmall.campaigns.tests.factories import T0
from linkmall.core import clock
from linkmall.orders.models import Order

pytestmark = pytest.mark.django_db

API = "/api/v1/campaigns"


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def post(client, url, body, user):
    return client.post(url, body, content_type="application/json", **bearer(user))


@pytest.fixture
def mall():
    clock.freeze(T0)
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=4000, price_fen=10000, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=10000)
    return {"merchant": merchant, "listing": listing, "owner": t.make_merchant_owner(merchant)}


def create(client, mall, **overrides):
    body = {"listing_id": mall["listing"].pk, "name": "砍价", "floor_fen": 5000, "helpers_needed": 1,
            "starts_at": T0.isoformat(), "ends_at": (T0 + timedelta(days=1)).isoformat()}
    body.update(overrides)
    return post(client, f"{API}/merchant/bargains", body, mall["owner"])


def test_the_whole_path_through_the_api(client, mall):
    assert create(client, mall, floor_fen=3000).json()["code"] == "campaign_below_cost"
    made = create(client, mall)
    assert made.status_code == 201
    activity_id = made.json()["id"]
    assert [a["id"] for a in client.get(f"{API}/bargains", {"merchant_id": mall["merchant"].pk}).json()] == [
        activity_id]
    buyer, friend = t.make_consumer(), t.make_consumer()

    started = post(client, f"{API}/bargains/{activity_id}/start", {}, buyer)
    assert started.status_code == 201
    bargain = started.json()
    assert (bargain["price_fen"], bargain["state"], bargain["mine"]) == (10000, "open", True)
    assert post(client, f"{API}/bargains/{activity_id}/start", {}, buyer).json()["id"] == bargain["id"]

    assert post(client, f"{API}/bargains/mine/{bargain['id']}/help", {}, buyer).json()["code"] == "bargain_self_help"
    helped = post(client, f"{API}/bargains/mine/{bargain['id']}/help", {}, friend)
    assert helped.status_code == 201 and helped.json() == {"seq": 1, "cut_fen": 5000, "price_fen": 5000}
    again = post(client, f"{API}/bargains/mine/{bargain['id']}/help", {}, friend)
    assert (again.status_code, again.json()["code"]) == (409, "bargain_already_helped")

    seen = client.get(f"{API}/bargains/mine/{bargain['id']}", **bearer(friend)).json()
    assert (seen["price_fen"], seen["percent"], seen["mine"], len(seen["helpers"])) == (5000, 100, False, 1)

    bought = post(client, f"{API}/bargains/mine/{bargain['id']}/buy",
                  {"address_id": t.make_address(buyer).pk, "client_token": "k"}, buyer)
    assert bought.status_code == 201 and bought.json()["total_fen"] == 5000
    assert Order.objects.get().lines.get().activity_kind == "bargain"

    paused = post(client, f"{API}/merchant/bargains/{activity_id}/status", {"status": "paused"}, mall["owner"])
    assert paused.json()["status"] == "paused"
    listed = client.get(f"{API}/merchant/bargains", **bearer(mall["owner"])).json()
    assert [a["id"] for a in listed["items"]] == [activity_id]


def test_another_buyers_bargain_cannot_be_bought(client, mall):
    activity_id = create(client, mall).json()["id"]
    buyer, other = t.make_consumer(), t.make_consumer()
    bargain_id = post(client, f"{API}/bargains/{activity_id}/start", {}, buyer).json()["id"]

    answer = post(client, f"{API}/bargains/mine/{bargain_id}/buy",
                  {"address_id": t.make_address(other).pk, "client_token": "k"}, other)

    assert answer.status_code == 404
    assert Order.objects.count() == 0
