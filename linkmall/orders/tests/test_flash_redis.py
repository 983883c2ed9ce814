"""The flash sale's Redis path against a real Redis (127.0.0.1:6379, a database number and a key
prefix of the tests' own; scripts/ensure-redis.sh starts one): one script admits or refuses, the
worker writes the admitted buyers' orders through the database path's transaction, a worker killed
mid-batch loses no buyer and a replay makes no second order, released units go back on sale, and
a sale ends in the database only once its stream is drained."""

import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from linkmall import testing as t
from linkmall.campaigns.models import FlashBuyer, FlashEntry, FlashSale
from linkmall.campaigns.services import flash_redis
from linkmall.campaigns.services.flash import FlashSaleFields, flash_end, flash_sale_create, flash_sale_set_status
from linkmall.campaigns.tests.factories import T0
from linkmall.core import clock
from linkmall.core.errors import DomainError
from linkmall.orders import flash_worker
from linkmall.orders.flash import flash_attempt, flash_enter, flash_ticket, queued_token
from linkmall.orders.models import Order, OrderLine
from linkmall.orders.services import order_cancel
from linkmall.testing import copies, outcomes, race

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PRICE, COST, FLASH = 10000, 4000, 5900
START = T0 + timedelta(hours=1)


def _wipe() -> None:
    r = flash_redis.client()
    keys = list(r.scan_iter(match=f"{flash_redis.prefix()}*", count=1000))
    if keys:
        r.delete(*keys)


@pytest.fixture
def on_redis(settings, db):
    settings.REDIS_URL = TEST_REDIS_URL
    settings.FLASH_REDIS_PREFIX = f"test{os.getpid()}"
    settings.FLASH_END_WAIT_SECONDS = 0
    _wipe()
    yield
    _wipe()


@pytest.fixture
def mall(on_redis):
    clock.freeze(T0)
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=COST, price_fen=PRICE, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=PRICE)
    return {"merchant": merchant, "listing": listing, "owner": t.make_merchant_owner(merchant)}


def make_sale(mall, **overrides):
    values = {"listing_id": mall["listing"].pk, "name": "10点秒杀", "starts_at": START,
              "ends_at": START + timedelta(hours=1), "price_fen": FLASH, "stock": 10, "per_user_limit": 1}
    values.update(overrides)
    return flash_sale_create(actor=mall["owner"], merchant=mall["merchant"], fields=FlashSaleFields(**values))


def buyer():
    user = t.make_consumer()
    return user, t.make_address(user)


def enter(sale, who, token="f-1", quantity=1):
    user, address = who
    return flash_enter(buyer=user, sale_id=sale.pk, address_id=address.pk, client_token=token, quantity=quantity)


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def counts(sale):
    sale.refresh_from_db()
    return sale.held, sale.sold, sale.returned


def in_redis(sale, user=None):
    return flash_redis.flash_redis_counts(sale_ids=[sale.pk], user_id=user.pk if user else None).get(sale.pk)


def pending():
    return flash_redis.client().xpending(flash_redis.stream_key(), flash_redis.GROUP)["pending"]


@pytest.mark.django_db
def test_an_admitted_buyer_gets_a_ticket_and_the_worker_writes_the_order_at_the_flash_price(mall):
    sale = make_sale(mall)
    clock.freeze(START)
    who = buyer()

    admission = enter(sale, who)

    assert isinstance(admission, flash_redis.Admission)
    assert flash_ticket(buyer=who[0], sale_id=sale.pk, ticket=admission.ticket) is None
    assert Order.objects.count() == 0 and counts(sale) == (0, 0, 0)
    assert in_redis(sale, who[0]) == (1, 1)
    assert flash_redis.queued(sale_id=sale.pk) == 1

    assert flash_worker.run(once=True).written == 1

    order = Order.objects.get()
    assert (order.buyer, order.client_token, order.total_fen) == (who[0], queued_token(admission.ticket), FLASH)
    assert flash_ticket(buyer=who[0], sale_id=sale.pk, ticket=admission.ticket) == order
    assert FlashEntry.objects.get().order_id == order.pk
    assert counts(sale) == (1, 0, 0)
    assert FlashBuyer.objects.get(sale=sale).taken == 1
    assert flash_redis.queued(sale_id=sale.pk) == 0 and pending() == 0
    # someone else's ticket is not theirs to see
    assert code_of(lambda: flash_ticket(buyer=buyer()[0], sale_id=sale.pk, ticket=admission.ticket)) == "not_found"
    assert code_of(lambda: flash_ticket(buyer=who[0], sale_id=sale.pk, ticket="junk")) == "not_found"


@pytest.mark.django_db
def test_redis_refuses_with_the_database_paths_codes_and_queues_nothing(mall):
    sale = make_sale(mall, stock=1)
    first, second = buyer(), buyer()

    assert code_of(lambda: enter(sale, first)) == "flash_not_started"
    clock.freeze(START)
    assert isinstance(enter(sale, first), flash_redis.Admission)
    assert code_of(lambda: enter(sale, first, token="again")) == "flash_sold_out"
    assert code_of(lambda: enter(sale, second)) == "flash_sold_out"
    assert code_of(lambda: flash_enter(buyer=first[0], sale_id=999_999, address_id=first[1].pk, client_token="x")) == (
        "not_found")
    clock.freeze(START + timedelta(hours=1))
    assert code_of(lambda: enter(sale, second)) == "flash_ended"

    assert flash_redis.client().xlen(flash_redis.stream_key()) == 1
    assert in_redis(sale) == (1, 0)


@pytest.mark.django_db
def test_the_per_user_limit_is_counted_in_redis_and_a_retry_with_the_same_token_gets_the_same_ticket(mall):
    sale = make_sale(mall, per_user_limit=2)
    clock.freeze(START)
    who = buyer()

    first = enter(sale, who, token="a")
    assert enter(sale, who, token="a") == first
    assert code_of(lambda: enter(sale, who, token="b", quantity=2)) == "flash_limit_reached"
    second = enter(sale, who, token="b")
    assert code_of(lambda: enter(sale, who, token="c")) == "flash_limit_reached"
    flash_worker.run(once=True)

    assert Order.objects.filter(buyer=who[0]).count() == 2 and first != second
    assert FlashBuyer.objects.get(sale=sale, user=who[0]).taken == 2
    assert counts(sale) == (2, 0, 0)


@pytest.mark.django_db
def test_pausing_and_activating_reflect_in_redis(mall, django_capture_on_commit_callbacks):
    sale = make_sale(mall)
    clock.freeze(START)
    enter(sale, buyer())  # loads the sale into Redis

    with django_capture_on_commit_callbacks(execute=True):
        flash_sale_set_status(actor=mall["owner"], sale_id=sale.pk, status="paused")
    assert code_of(lambda: enter(sale, buyer())) == "flash_paused"
    with django_capture_on_commit_callbacks(execute=True):
        flash_sale_set_status(actor=mall["owner"], sale_id=sale.pk, status="active")
    assert isinstance(enter(sale, buyer()), flash_redis.Admission)
    # an entry admitted before the pause is still written after it
    FlashSale.objects.filter(pk=sale.pk).update(status="paused")
    assert flash_worker.run(once=True).written == 2
    # a status copy lost with its process is made good by the worker's sync
    assert code_of(lambda: enter(sale, buyer())) == "flash_paused"
    FlashSale.objects.filter(pk=sale.pk).update(status="active")
    assert flash_redis.flash_redis_sync() == 1
    assert isinstance(enter(sale, buyer()), flash_redis.Admission)


@pytest.mark.django_db
def test_a_released_order_puts_its_unit_back_on_sale_in_redis_and_the_buyer_may_try_again(
        mall, django_capture_on_commit_callbacks):
    sale = make_sale(mall, stock=1)
    clock.freeze(START)
    who = buyer()
    enter(sale, who)
    flash_worker.run(once=True)
    assert code_of(lambda: enter(sale, buyer())) == "flash_sold_out"

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(actor=who[0], order=Order.objects.get())

    assert in_redis(sale, who[0]) == (0, 0)
    assert counts(sale) == (0, 0, 0)
    again = enter(sale, who, token="f-2")
    flash_worker.run(once=True)
    assert flash_ticket(buyer=who[0], sale_id=sale.pk, ticket=again.ticket).status == Order.Status.PENDING_PAYMENT
    assert counts(sale) == (1, 0, 0)


@pytest.mark.django_db
def test_the_end_waits_for_the_stream_to_drain_so_the_database_counters_are_the_record(mall):
    sale = make_sale(mall)
    clock.freeze(START)
    admitted = [enter(sale, buyer()) for _ in range(3)]
    clock.freeze(START + timedelta(hours=1))

    assert flash_end(sale_id=sale.pk) is False  # three orders are still being written
    assert FlashSale.objects.get(pk=sale.pk).status == "active"
    assert code_of(lambda: enter(sale, buyer())) == "flash_ended"
    assert flash_worker.run(once=True).written == 3
    assert flash_end(sale_id=sale.pk) is True

    assert counts(sale) == (3, 0, 7)
    assert FlashSale.objects.get(pk=sale.pk).status == "ended"
    assert sorted(Order.objects.values_list("client_token", flat=True)) == sorted(
        queued_token(a.ticket) for a in admitted)


@pytest.mark.django_db
def test_a_merchants_end_while_orders_are_being_written_is_refused_until_they_are(mall):
    sale = make_sale(mall)
    clock.freeze(START)
    enter(sale, buyer())

    assert code_of(lambda: flash_sale_set_status(actor=mall["owner"], sale_id=sale.pk, status="ended")) == (
        "flash_draining")
    assert code_of(lambda: enter(sale, buyer())) == "flash_ended"  # no one is admitted any more
    flash_worker.run(once=True)
    assert flash_sale_set_status(actor=mall["owner"], sale_id=sale.pk, status="ended").status == "ended"
    assert counts(sale) == (1, 0, 9)


@pytest.mark.django_db
def test_a_worker_killed_mid_batch_loses_no_buyer_and_the_replay_makes_no_second_order(mall):
    sale = make_sale(mall)
    clock.freeze(START)
    buyers = [buyer() for _ in range(4)]
    admitted = [enter(sale, who) for who in buyers]
    flash_redis.ensure_group()
    # a worker read the batch, committed the first order, and was killed before acknowledging any
    read = flash_redis.read_new(consumer="killed", count=10, block_ms=0)
    assert [entry.id for entry in read] == [a.ticket for a in admitted]
    user, address = buyers[0]
    flash_attempt(buyer=user, sale_id=sale.pk, address=address, client_token=queued_token(read[0].id),
                  quantity=1, admitted=True)
    assert pending() == 4

    call_command("flash", "worker", "--once")

    assert pending() == 0 and flash_redis.queued(sale_id=sale.pk) == 0
    assert Order.objects.count() == 4 and FlashEntry.objects.count() == 4
    for (user, _address), admission in zip(buyers, admitted, strict=True):
        assert Order.objects.filter(buyer=user).count() == 1
        assert flash_ticket(buyer=user, sale_id=sale.pk, ticket=admission.ticket) is not None
    assert counts(sale) == (4, 0, 0)
    # and once more: nothing pending, nothing written again
    assert flash_worker.run(once=True).written == 0 and Order.objects.count() == 4


@pytest.mark.django_db
def test_if_the_database_ever_refuses_an_admitted_buyer_the_admission_is_given_back_and_the_ticket_says_so(mall):
    sale = make_sale(mall, stock=2)
    clock.freeze(START)
    who = buyer()
    admission = enter(sale, who)
    FlashSale.objects.filter(pk=sale.pk).update(held=2)  # the database holds nothing more (never expected)

    result = flash_worker.run(once=True)

    assert (result.written, result.refused) == (0, [(admission.ticket, "flash_sold_out")])
    assert Order.objects.count() == 0 and FlashEntry.objects.count() == 0
    assert in_redis(sale, who[0]) == (0, 0)
    assert code_of(lambda: flash_ticket(buyer=who[0], sale_id=sale.pk, ticket=admission.ticket)) == "flash_sold_out"
    assert pending() == 0


@pytest.mark.django_db(transaction=True)
def test_fifty_buyers_racing_in_redis_for_ten_units_get_exactly_ten_orders(on_redis):
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=4000, price_fen=10000, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=10000)
    start = clock.now() + timedelta(minutes=1)
    sale = flash_sale_create(actor=t.make_merchant_owner(merchant), merchant=merchant, fields=FlashSaleFields(
        listing_id=listing.pk, name="秒杀", starts_at=start, ends_at=start + timedelta(hours=1),
        price_fen=5900, stock=10))
    buyers = [t.make_consumer() for _ in range(50)]
    addresses = [t.make_address(user) for user in buyers]
    clock.freeze(start)

    results = outcomes(race(*copies(lambda i: flash_enter(
        buyer=buyers[i], sale_id=sale.pk, address_id=addresses[i].pk, client_token=f"f-{i}").ticket, 50)))
    written = flash_worker.run(once=True)

    admitted = [r for r in results if r != "flash_sold_out"]
    assert len(admitted) == 10 and len(set(admitted)) == 10 and results.count("flash_sold_out") == 40
    assert written.written == 10 and written.refused == []
    sale.refresh_from_db()
    assert (sale.held, sale.sold, sale.stock) == (10, 0, 10)
    # from the rows themselves: no oversell
    assert Order.objects.filter(lines__listing=listing).count() == 10
    assert sum(OrderLine.objects.filter(listing=listing).values_list("quantity", flat=True)) == 10
    assert FlashEntry.objects.filter(sale=sale).count() == 10
    assert sorted(Order.objects.values_list("client_token", flat=True)) == sorted(
        queued_token(ticket) for ticket in admitted)


def bearer(user) -> dict:
    from linkmall.accounts.services.tokens import api_token_issue

    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


@pytest.mark.django_db
def test_the_api_answers_202_with_a_ticket_then_the_poll_gives_the_order_once_written(client, mall):
    sale = make_sale(mall, stock=1)
    clock.freeze(START)
    (first, address), (second, other) = buyer(), buyer()
    url = f"/api/v1/campaigns/flash/{sale.pk}/attempts"

    won = client.post(url, {"address_id": address.pk, "client_token": "a"}, content_type="application/json",
                      **bearer(first))
    lost = client.post(url, {"address_id": other.pk, "client_token": "b"}, content_type="application/json",
                       **bearer(second))

    assert won.status_code == 202
    ticket = won.json()["ticket"]
    assert won.json() == {"state": "queued", "ticket": ticket, "poll": f"{url}/{ticket}"}
    assert (lost.status_code, lost.json()["code"]) == (409, "flash_sold_out")
    waiting = client.get(f"{url}/{ticket}", **bearer(first))
    assert (waiting.status_code, waiting.json()["state"]) == (202, "queued")
    assert client.get(f"{url}/{ticket}", **bearer(second)).status_code == 404
    assert client.get(f"{url}/not-a-ticket", **bearer(first)).status_code == 404

    flash_worker.run(once=True)

    written = client.get(f"{url}/{ticket}", **bearer(first))
    order = Order.objects.get(buyer=first)
    assert written.status_code == 200
    assert written.json() == {"state": "written", "number": order.number, "total_fen": FLASH,
                              "expires_at": order.expires_at.isoformat(), "fulfilment_mode": "delivery",
                              "pickup_store_id": None}


@pytest.mark.django_db
def test_the_hall_buy_button_waits_in_line_then_goes_to_the_order_to_pay(client, mall):
    sale = make_sale(mall, stock=1)
    clock.freeze(START)
    user, _address = buyer()
    client.force_login(user)
    merchant_id = mall["merchant"].pk

    bought = client.post(f"/shop/{merchant_id}/flash/{sale.pk}/buy/", {"client_token": "t1"})

    assert bought.status_code == 302 and "/wait/" in bought["Location"]
    waiting = client.get(bought["Location"])
    assert waiting.status_code == 200 and "排队中" in waiting.content.decode()
    assert 'hx-trigger="every 1s"' in waiting.content.decode()
    # the hall already shows the unit taken
    hall = client.get(f"/shop/{merchant_id}/flash/").content.decode()
    assert 'data-state="sold_out"' in hall

    flash_worker.run(once=True)

    order = Order.objects.get(buyer=user)
    polled = client.get(bought["Location"], HTTP_HX_REQUEST="true")
    assert (polled.status_code, polled["HX-Redirect"]) == (204, f"/orders/{order.number}/")
    assert client.get(bought["Location"])["Location"] == f"/orders/{order.number}/"


@pytest.mark.django_db
def test_someone_elses_address_is_not_found_and_takes_no_unit(mall):
    sale = make_sale(mall, stock=1)
    clock.freeze(START)
    (user, _mine), (_other, theirs) = buyer(), buyer()

    assert code_of(lambda: flash_enter(buyer=user, sale_id=sale.pk, address_id=theirs.pk, client_token="x")) == (
        "not_found")

    assert in_redis(sale, user) == (0, 0)
    assert flash_redis.client().xlen(flash_redis.stream_key()) == 0


@pytest.mark.django_db
def test_a_stopped_worker_still_reconciles_first_and_the_command_needs_redis(mall):
    sale = make_sale(mall)
    clock.freeze(START)
    enter(sale, buyer())
    flash_redis.ensure_group()
    flash_redis.read_new(consumer="killed", count=10, block_ms=0)  # read, never acknowledged

    assert flash_worker.run(stopped=lambda: True).written == 1  # SIGTERM at once: the reconcile ran

    assert Order.objects.count() == 1 and pending() == 0
    from django.core.management.base import CommandError
    from django.test import override_settings

    with override_settings(REDIS_URL=""), pytest.raises(CommandError):
        call_command("flash", "worker", "--once")


@pytest.mark.django_db
def test_an_entry_that_cannot_be_written_stays_pending_and_does_not_hold_up_the_others(mall, monkeypatch):
    sale = make_sale(mall)
    clock.freeze(START)
    stuck, fine = enter(sale, buyer()), enter(sale, buyer())
    real = flash_worker.flash_attempt

    def flaky(**kwargs):
        if kwargs["client_token"] == queued_token(stuck.ticket):
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(flash_worker, "flash_attempt", flaky)
    assert flash_worker.run(once=True).written == 1
    assert pending() == 1 and Order.objects.get().client_token == queued_token(fine.ticket)

    monkeypatch.setattr(flash_worker, "flash_attempt", real)
    assert flash_worker.run(once=True).written == 1  # the reconcile on start
    assert pending() == 0 and Order.objects.count() == 2 and counts(sale) == (2, 0, 0)


@pytest.mark.django_db
def test_with_redis_down_an_attempt_is_a_503_that_changes_nothing_and_the_hall_still_shows(client, mall, settings):
    sale = make_sale(mall, stock=1)
    clock.freeze(START)
    user, address = buyer()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        answer = client.post(f"/api/v1/campaigns/flash/{sale.pk}/attempts",
                             {"address_id": address.pk, "client_token": "a"}, content_type="application/json",
                             **bearer(user))
        hall = client.get(reverse("web:flash_hall", args=[mall["merchant"].pk]))
    finally:
        settings.REDIS_URL = TEST_REDIS_URL  # the fixture's clean-up needs the real one

    assert (answer.status_code, answer.json()["code"]) == (503, "flash_unavailable")
    assert Order.objects.count() == 0 and counts(sale) == (0, 0, 0)
    assert hall.status_code == 200 and "立即抢购" in hall.content.decode()
