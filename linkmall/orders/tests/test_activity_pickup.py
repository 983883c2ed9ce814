"""到店自提 for activity orders (docs/o2o.md, "Activity orders"): a flash sale, a group buy (open and
join) and a bargain may each be collected at one of the merchant's open stores. The order is a
pick-up order with the store's address and a code; another merchant's or a closed store is
`pickup_store_not_found` and takes nothing; a retry with the same token is the same order; the API
takes `fulfilment_mode` / `pickup_store_id` and answers bad combinations with 4xx."""

import re
from datetime import timedelta

import pytest

from linkmall import testing as t
from linkmall.accounts.services.tokens import api_token_issue
from linkmall.campaigns.models import Bargain, FlashBuyer, GroupBuyBuyer, GroupBuyGroup, GroupBuyMember
from linkmall.campaigns.services.bargain import BargainFields, bargain_activity_create, bargain_start
from linkmall.campaigns.services.flash import FlashSaleFields, flash_sale_create
from linkmall.campaigns.services.group import GroupBuyFields, group_buy_create
from linkmall.campaigns.tests.factories import T0
from linkmall.catalog.models import Sku
from linkmall.core import clock
from linkmall.core.errors import DomainError
from linkmall.orders.bargain import bargain_buy
from linkmall.orders.flash import flash_attempt
from linkmall.orders.group import group_join_attempt, group_open_attempt
from linkmall.orders.models import Fulfilment, Order
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db

PRICE, COST = 10000, 4000
API = "/api/v1/campaigns"
CODE = re.compile(r"\d{8}")


@pytest.fixture
def mall():
    clock.freeze(T0)
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=COST, price_fen=PRICE, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=PRICE)
    closed = t.make_store(merchant, name="已关门店")
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    return {"merchant": merchant, "listing": listing, "owner": t.make_merchant_owner(merchant),
            "store": t.make_store(merchant, name="西湖店"), "closed": closed,
            "foreign": t.make_store(t.make_merchant(), name="别家店")}


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def sku_stock(mall):
    return Sku.objects.get(pk=mall["listing"].sku_id).stock


def assert_pickup(order, store, buyer):
    assert (order.fulfilment_mode, order.pickup_store_id) == ("pickup", store.pk)
    assert CODE.fullmatch(order.pickup_code)
    assert (order.address["pickup_store_id"], order.address["pickup_store"], order.address["detail"]) == (
        store.pk, store.name, store.address)
    assert order.address["phone"] == buyer.phone  # no address given: the buyer's own name and phone


# --- flash sale (database path) -----------------------------------------------------------------

def make_sale(mall, stock=5):
    sale = flash_sale_create(actor=mall["owner"], merchant=mall["merchant"], fields=FlashSaleFields(
        listing_id=mall["listing"].pk, name="10点秒杀", starts_at=T0 + timedelta(hours=1),
        ends_at=T0 + timedelta(hours=2), price_fen=5900, stock=stock, per_user_limit=1))
    clock.freeze(T0 + timedelta(hours=1))
    return sale


def test_a_flash_sale_bought_for_pick_up_is_a_pick_up_order_at_the_store_and_a_retry_is_the_same(mall):
    sale = make_sale(mall)
    buyer = t.make_consumer()

    order = flash_attempt(buyer=buyer, sale_id=sale.pk, address=None, client_token="p-1",
                          pickup_store=mall["store"])

    assert_pickup(order, mall["store"], buyer)
    assert order.total_fen == 5900
    sale.refresh_from_db()
    assert sale.held == 1
    again = flash_attempt(buyer=buyer, sale_id=sale.pk, address=None, client_token="p-1",
                          pickup_store=mall["store"])
    assert again.pk == order.pk and Order.objects.count() == 1
    sale.refresh_from_db()
    assert sale.held == 1


def test_a_flash_pick_up_keeps_the_buyers_name_from_an_address_when_given(mall):
    sale = make_sale(mall)
    buyer = t.make_consumer()
    address = t.make_address(buyer)

    order = flash_attempt(buyer=buyer, sale_id=sale.pk, address=address, client_token="p-1",
                          pickup_store=mall["store"])

    assert (order.address["recipient"], order.address["phone"]) == (address.recipient, address.phone)
    assert order.address["detail"] == mall["store"].address


@pytest.mark.parametrize("which", ["foreign", "closed"])
def test_another_merchants_or_a_closed_store_takes_no_flash_unit(mall, which):
    sale = make_sale(mall)
    buyer = t.make_consumer()

    assert code_of(lambda: flash_attempt(buyer=buyer, sale_id=sale.pk, address=t.make_address(buyer),
                                         client_token="p-1", pickup_store=mall[which])) == "pickup_store_not_found"

    sale.refresh_from_db()
    assert (sale.held, Order.objects.count(), FlashBuyer.objects.filter(sale=sale).exists()) == (0, 0, False)


# --- group buy ------------------------------------------------------------------------------------

def make_group_buy(mall):
    return group_buy_create(actor=mall["owner"], merchant=mall["merchant"], fields=GroupBuyFields(
        listing_id=mall["listing"].pk, name="两人团", size=2, price_fen=6900, stock=10, starts_at=T0,
        ends_at=T0 + timedelta(days=3), hours=24, per_user_limit=2, leader_discount_fen=0))


def test_group_seats_for_pick_up_wait_for_the_group_and_ship_to_the_store_once_it_is_complete(mall):
    activity = make_group_buy(mall)
    leader, member = t.make_consumer(), t.make_consumer()

    opened = group_open_attempt(buyer=leader, activity_id=activity.pk, address=None, client_token="g-1",
                                pickup_store=mall["store"])
    group = GroupBuyGroup.objects.get(members__order_id=opened.pk)
    assert_pickup(opened, mall["store"], leader)
    assert group_open_attempt(buyer=leader, activity_id=activity.pk, address=None, client_token="g-1",
                              pickup_store=mall["store"]).pk == opened.pk
    assert GroupBuyMember.objects.filter(group=group).count() == 1

    pay(opened)
    # a paid pick-up seat waits for the group like any member's
    assert Fulfilment.objects.get(order=opened).status == Fulfilment.Status.AWAITING_GROUP

    joined = group_join_attempt(buyer=member, group_id=group.pk, address=t.make_address(member),
                                client_token="g-2")  # a member may still have it delivered
    assert joined.fulfilment_mode == "delivery"
    pay(joined)
    assert Fulfilment.objects.get(order=opened).status == Fulfilment.Status.TO_SHIP
    opened.refresh_from_db()
    assert opened.pickup_store_id == mall["store"].pk


@pytest.mark.parametrize("which", ["foreign", "closed"])
def test_another_merchants_or_a_closed_store_takes_no_group_seat(mall, which):
    activity = make_group_buy(mall)
    leader, member = t.make_consumer(), t.make_consumer()
    opened = group_open_attempt(buyer=leader, activity_id=activity.pk, address=t.make_address(leader),
                                client_token="g-1")
    group = GroupBuyGroup.objects.get(members__order_id=opened.pk)
    activity.refresh_from_db()
    before = (activity.held, sku_stock(mall), GroupBuyMember.objects.count())

    assert code_of(lambda: group_open_attempt(buyer=member, activity_id=activity.pk, address=None,
                                              client_token="g-2", pickup_store=mall[which])) == "pickup_store_not_found"
    assert code_of(lambda: group_join_attempt(buyer=member, group_id=group.pk, address=None, client_token="g-3",
                                              pickup_store=mall[which])) == "pickup_store_not_found"

    activity.refresh_from_db()
    group.refresh_from_db()
    assert (activity.held, sku_stock(mall), GroupBuyMember.objects.count()) == before
    assert group.seats == 1 and not GroupBuyBuyer.objects.filter(user=member).exists()
    assert Order.objects.filter(buyer=member).count() == 0


def test_joining_a_group_for_pick_up(mall):
    activity = make_group_buy(mall)
    leader, member = t.make_consumer(), t.make_consumer()
    opened = group_open_attempt(buyer=leader, activity_id=activity.pk, address=t.make_address(leader),
                                client_token="g-1")
    group = GroupBuyGroup.objects.get(members__order_id=opened.pk)

    joined = group_join_attempt(buyer=member, group_id=group.pk, address=None, client_token="g-2",
                                pickup_store=mall["store"])

    assert_pickup(joined, mall["store"], member)
    assert group_join_attempt(buyer=member, group_id=group.pk, address=None, client_token="g-2",
                              pickup_store=mall["store"]).pk == joined.pk
    group.refresh_from_db()
    assert group.seats == 2


# --- bargain --------------------------------------------------------------------------------------

def make_bargain(mall):
    activity = bargain_activity_create(actor=mall["owner"], merchant=mall["merchant"], fields=BargainFields(
        listing_id=mall["listing"].pk, name="砍到 59", floor_fen=5900, helpers_needed=2, starts_at=T0,
        ends_at=T0 + timedelta(days=7), hours=24))
    return bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)


def test_a_bargain_bought_for_pick_up(mall):
    bargain = make_bargain(mall)
    stock = sku_stock(mall)

    order = bargain_buy(buyer=bargain.buyer, bargain_id=bargain.pk, address=None, client_token="b-1",
                        pickup_store=mall["store"])

    assert_pickup(order, mall["store"], bargain.buyer)
    assert order.total_fen == PRICE and sku_stock(mall) == stock - 1
    assert bargain_buy(buyer=bargain.buyer, bargain_id=bargain.pk, address=None, client_token="b-1",
                       pickup_store=mall["store"]).pk == order.pk
    assert Order.objects.count() == 1 and sku_stock(mall) == stock - 1


@pytest.mark.parametrize("which", ["foreign", "closed"])
def test_another_merchants_or_a_closed_store_leaves_the_bargain_open(mall, which):
    bargain = make_bargain(mall)
    stock = sku_stock(mall)

    assert code_of(lambda: bargain_buy(buyer=bargain.buyer, bargain_id=bargain.pk, address=None,
                                       client_token="b-1", pickup_store=mall[which])) == "pickup_store_not_found"

    assert Bargain.objects.get(pk=bargain.pk).status == "open"
    assert (Order.objects.count(), sku_stock(mall)) == (0, stock)


def test_a_delivery_still_needs_an_address(mall):
    bargain = make_bargain(mall)
    assert code_of(lambda: bargain_buy(buyer=bargain.buyer, bargain_id=bargain.pk, address=None,
                                       client_token="b-1")) == "not_found"
    assert Bargain.objects.get(pk=bargain.pk).status == "open" and Order.objects.count() == 0


# --- the API --------------------------------------------------------------------------------------

def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def post(client, url, body, user):
    return client.post(url, body, content_type="application/json", **bearer(user))


def answer(response):
    return response.status_code, response.json().get("code")


def test_the_flash_api_places_a_pick_up_order_and_refuses_bad_combinations(client, mall):
    sale = make_sale(mall)
    buyer = t.make_consumer()
    url = f"{API}/flash/{sale.pk}/attempts"
    store = mall["store"].pk

    assert answer(post(client, url, {"client_token": "a"}, buyer)) == (400, "invalid_input")
    assert answer(post(client, url, {"client_token": "a", "fulfilment_mode": "pickup"}, buyer)) == (
        400, "invalid_input")
    assert answer(post(client, url, {"client_token": "a", "address_id": t.make_address(buyer).pk,
                                     "pickup_store_id": store}, buyer)) == (400, "invalid_input")
    assert answer(post(client, url, {"client_token": "a", "fulfilment_mode": "by_drone",
                                     "pickup_store_id": store}, buyer)) == (422, "invalid_input")
    for bad in (mall["foreign"].pk, mall["closed"].pk, 2**31 - 1):
        assert answer(post(client, url, {"client_token": "a", "fulfilment_mode": "pickup",
                                         "pickup_store_id": bad}, buyer)) == (404, "pickup_store_not_found")
    sale.refresh_from_db()
    assert (sale.held, Order.objects.count()) == (0, 0)

    placed = post(client, url, {"client_token": "a", "fulfilment_mode": "pickup", "pickup_store_id": store}, buyer)
    again = post(client, url, {"client_token": "a", "fulfilment_mode": "pickup", "pickup_store_id": store}, buyer)

    order = Order.objects.get()
    assert placed.status_code == 201 and again.status_code == 201
    assert placed.json()["number"] == order.number
    assert again.json() == {
        "number": order.number, "total_fen": 5900, "expires_at": order.expires_at.isoformat(),
        "fulfilment_mode": "pickup", "pickup_store_id": store}
    assert_pickup(order, mall["store"], buyer)


def test_the_group_api_opens_and_joins_for_pick_up(client, mall):
    activity = make_group_buy(mall)
    leader, member = t.make_consumer(), t.make_consumer()
    store = mall["store"].pk

    assert answer(post(client, f"{API}/group-buys/{activity.pk}/open", {"client_token": "g"}, leader)) == (
        400, "invalid_input")
    assert answer(post(client, f"{API}/group-buys/{activity.pk}/open",
                       {"client_token": "g", "fulfilment_mode": "pickup", "pickup_store_id": mall["foreign"].pk},
                       leader)) == (404, "pickup_store_not_found")
    assert GroupBuyGroup.objects.count() == 0

    opened = post(client, f"{API}/group-buys/{activity.pk}/open",
                  {"client_token": "g", "fulfilment_mode": "pickup", "pickup_store_id": store}, leader)
    assert opened.status_code == 201 and opened.json()["fulfilment_mode"] == "pickup"
    group = GroupBuyGroup.objects.get()
    joined = post(client, f"{API}/groups/{group.pk}/join",
                  {"client_token": "j", "fulfilment_mode": "pickup", "pickup_store_id": store,
                   "address_id": t.make_address(member).pk}, member)
    assert joined.status_code == 201 and joined.json()["pickup_store_id"] == store
    assert_pickup(Order.objects.get(buyer=leader), mall["store"], leader)
    assert Order.objects.get(buyer=member).address["recipient"] == "张女士"
    someone_elses = post(client, f"{API}/groups/{group.pk}/join",
                         {"client_token": "k", "fulfilment_mode": "pickup", "pickup_store_id": store,
                          "address_id": t.make_address(leader).pk}, t.make_consumer())
    assert answer(someone_elses) == (404, "not_found")


def test_the_bargain_api_buys_for_pick_up(client, mall):
    bargain = make_bargain(mall)
    url = f"{API}/bargains/mine/{bargain.pk}/buy"

    assert answer(post(client, url, {"client_token": "b", "fulfilment_mode": "pickup",
                                     "pickup_store_id": mall["closed"].pk}, bargain.buyer)) == (
        404, "pickup_store_not_found")
    assert Bargain.objects.get(pk=bargain.pk).status == "open"
    bought = post(client, url, {"client_token": "b", "fulfilment_mode": "pickup",
                                "pickup_store_id": mall["store"].pk}, bargain.buyer)

    assert bought.status_code == 201 and bought.json()["fulfilment_mode"] == "pickup"
    assert_pickup(Order.objects.get(), mall["store"], bargain.buyer)


def test_the_activity_endpoints_document_the_pick_up_fields(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ("FlashAttemptIn", "GroupSeatIn", "BargainBuyIn"):
        fields = schemas[name]["properties"]
        assert {"address_id", "fulfilment_mode", "pickup_store_id"} <= set(fields), name
        assert "address_id" not in schemas[name].get("required", [])
