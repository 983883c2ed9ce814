"""到店自提 on the flash sale's Redis path, against a real Redis (127.0.0.1:6379, as
test_flash_redis.py): the stream entry carries the store's id next to the address (0 when the buyer
gave none), the worker places the pick-up order the same way as the database path, and another
merchant's or a closed store is refused before anything is admitted."""

import os
from datetime import timedelta

import pytest

from linkmall import testing as t
from linkmall.accounts.services.tokens import api_token_issue
from linkmall.campaigns.services import flash_redis
from linkmall.campaigns.services.flash import FlashSaleFields, flash_sale_create
from linkmall.campaigns.tests.factories import T0
from linkmall.core import clock
from linkmall.core.errors import DomainError
from linkmall.orders import flash_worker
from linkmall.orders.flash import flash_enter, flash_ticket, queued_token
from linkmall.orders.models import Order

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
START = T0 + timedelta(hours=1)

pytestmark = pytest.mark.django_db


def _wipe() -> None:
    r = flash_redis.client()
    keys = list(r.scan_iter(match=f"{flash_redis.prefix()}*", count=1000))
    if keys:
        r.delete(*keys)


@pytest.fixture
def mall(settings, db):
    settings.REDIS_URL = TEST_REDIS_URL
    settings.FLASH_REDIS_PREFIX = f"testpickup{os.getpid()}"
    settings.FLASH_END_WAIT_SECONDS = 0
    _wipe()
    clock.freeze(T0)
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=4000, price_fen=10000, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=10000)
    owner = t.make_merchant_owner(merchant)
    sale = flash_sale_create(actor=owner, merchant=merchant, fields=FlashSaleFields(
        listing_id=listing.pk, name="10点秒杀", starts_at=START, ends_at=START + timedelta(hours=1),
        price_fen=5900, stock=10, per_user_limit=1))
    closed = t.make_store(merchant, name="已关门店")
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    clock.freeze(START)
    yield {"merchant": merchant, "sale": sale, "store": t.make_store(merchant, name="西湖店"), "closed": closed,
           "foreign": t.make_store(t.make_merchant(), name="别家店")}
    _wipe()


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def in_redis(sale, user):
    return flash_redis.flash_redis_counts(sale_ids=[sale.pk], user_id=user.pk).get(sale.pk)


def stream():
    return flash_redis.client().xrange(flash_redis.stream_key())


def test_a_pick_up_admitted_in_redis_is_written_by_the_worker_at_the_store(mall):
    sale, store, user = mall["sale"], mall["store"], t.make_consumer()

    admission = flash_enter(buyer=user, sale_id=sale.pk, address_id=None, client_token="p-1", pickup_store=store)

    assert isinstance(admission, flash_redis.Admission)
    [(_id, fields)] = stream()
    assert (fields["address"], fields["store"]) == ("0", str(store.pk))
    again = flash_enter(buyer=user, sale_id=sale.pk, address_id=None, client_token="p-1", pickup_store=store)
    assert again == admission and len(stream()) == 1

    assert flash_worker.run(once=True).written == 1

    order = Order.objects.get()
    assert (order.client_token, order.fulfilment_mode, order.pickup_store_id) == (
        queued_token(admission.ticket), "pickup", store.pk)
    assert len(order.pickup_code) == 8 and order.address["pickup_store"] == store.name
    assert order.address["phone"] == user.phone
    assert flash_ticket(buyer=user, sale_id=sale.pk, ticket=admission.ticket) == order
    # a replay of the entry (a worker killed before its ack) finds the same order
    entry = flash_redis.StreamEntry(id=admission.ticket, sale_id=sale.pk, user_id=user.pk, quantity=1,
                                    address_id=0, token="p-1", pickup_store_id=store.pk)
    flash_worker.write_entries([entry])
    assert Order.objects.count() == 1


def test_a_pick_up_with_an_address_keeps_the_buyers_name(mall):
    user = t.make_consumer()
    address = t.make_address(user)

    flash_enter(buyer=user, sale_id=mall["sale"].pk, address_id=address.pk, client_token="p-1",
                pickup_store=mall["store"])
    flash_worker.run(once=True)

    order = Order.objects.get()
    assert (order.fulfilment_mode, order.address["recipient"], order.address["detail"]) == (
        "pickup", address.recipient, mall["store"].address)


@pytest.mark.parametrize("which", ["foreign", "closed"])
def test_another_merchants_or_a_closed_store_is_refused_before_admission(mall, which):
    sale, user = mall["sale"], t.make_consumer()

    assert code_of(lambda: flash_enter(buyer=user, sale_id=sale.pk, address_id=None, client_token="p-1",
                                       pickup_store=mall[which])) == "pickup_store_not_found"

    assert in_redis(sale, user) == (0, 0)
    assert stream() == [] and Order.objects.count() == 0
    # a delivery without an address is refused as before
    assert code_of(lambda: flash_enter(buyer=user, sale_id=sale.pk, address_id=None, client_token="p-2")) == (
        "not_found")


def test_an_entry_whose_store_closed_before_it_was_written_is_refused_and_given_back(mall):
    sale, store, user = mall["sale"], mall["store"], t.make_consumer()
    admission = flash_enter(buyer=user, sale_id=sale.pk, address_id=None, client_token="p-1", pickup_store=store)
    store.is_active = False
    store.save(update_fields=["is_active"])

    written = flash_worker.run(once=True)

    assert (written.written, written.refused) == (0, [(admission.ticket, "pickup_store_not_found")])
    assert Order.objects.count() == 0 and in_redis(sale, user) == (0, 0)
    assert code_of(lambda: flash_ticket(buyer=user, sale_id=sale.pk, ticket=admission.ticket)) == (
        "pickup_store_not_found")


def test_the_api_queues_a_pick_up_and_the_poll_gives_the_pick_up_order(client, mall):
    user = t.make_consumer()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}
    url = f"/api/v1/campaigns/flash/{mall['sale'].pk}/attempts"

    queued = client.post(url, {"client_token": "a", "fulfilment_mode": "pickup", "pickup_store_id": mall["store"].pk},
                         content_type="application/json", **auth)
    assert queued.status_code == 202
    flash_worker.run(once=True)

    written = client.get(queued.json()["poll"], **auth)
    assert written.status_code == 200
    assert (written.json()["fulfilment_mode"], written.json()["pickup_store_id"]) == ("pickup", mall["store"].pk)


def test_the_hall_buys_for_pick_up_through_the_queue(client, mall):
    user = t.make_consumer()  # no address: a pick-up needs none
    client.force_login(user)
    merchant_id, sale = mall["merchant"].pk, mall["sale"]

    bought = client.post(f"/shop/{merchant_id}/flash/{sale.pk}/buy/",
                         {"client_token": "t1", "fulfilment_mode": "pickup", "pickup_store": mall["store"].pk})

    assert bought.status_code == 302 and "/wait/" in bought["Location"]
    flash_worker.run(once=True)
    order = Order.objects.get(buyer=user)
    assert (order.fulfilment_mode, order.pickup_store_id) == ("pickup", mall["store"].pk)
