"""Bargains (砍价) through the real services: a buyer starts one, friends each cut a drawn share,
the buyer buys at the current price (the floor once every friend helped) through checkout, and an
unpaid order that expires reopens the bargain."""

from datetime import timedelta

import pytest

from linkmall import testing as t
from linkmall.campaigns.models import Bargain, BargainHelp
from linkmall.campaigns.services.bargain import (
    BargainFields,
    bargain_activity_create,
    bargain_activity_set_status,
    bargain_help,
    bargain_start,
)
from linkmall.campaigns.tests.factories import T0
from linkmall.catalog.models import Sku
from linkmall.core import clock
from linkmall.core.errors import DomainError
from linkmall.ledger.selectors import ledger_verify
from linkmall.orders.bargain import bargain_buy
from linkmall.orders.models import Order
from linkmall.orders.services import order_cancel, order_expire
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db

PRICE, COST, FLOOR = 10000, 4000, 5900


@pytest.fixture
def mall():
    clock.freeze(T0)
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=COST, price_fen=PRICE, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=PRICE)
    return {"merchant": merchant, "listing": listing, "owner": t.make_merchant_owner(merchant)}


def make_activity(mall, **overrides):
    values = {"listing_id": mall["listing"].pk, "name": "砍到 59", "floor_fen": FLOOR, "helpers_needed": 2,
              "starts_at": T0, "ends_at": T0 + timedelta(days=7), "hours": 24}
    values.update(overrides)
    accept_loss = values.pop("accept_loss", False)
    return bargain_activity_create(actor=mall["owner"], merchant=mall["merchant"], fields=BargainFields(**values),
                                   accept_loss=accept_loss)


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def state(bargain):
    bargain.refresh_from_db()
    return bargain.status, bargain.price_fen, bargain.cuts_made


def buy(bargain, token="b-1"):
    buyer = bargain.buyer
    return bargain_buy(buyer=buyer, bargain_id=bargain.pk, address=t.make_address(buyer), client_token=token)


def sku_stock(mall):
    return Sku.objects.get(pk=mall["listing"].sku_id).stock


def test_a_floor_below_cost_needs_accept_loss_and_the_floor_must_leave_a_fen_per_helper(mall):
    assert code_of(lambda: make_activity(mall, floor_fen=COST - 1)) == "campaign_below_cost"
    assert make_activity(mall, floor_fen=COST - 1, accept_loss=True).accept_loss is True
    with pytest.raises(DomainError) as caught:
        make_activity(mall, start_fen=FLOOR + 1, helpers_needed=2)
    assert set(caught.value.detail["fields"]) == {"floor_fen"}
    assert make_activity(mall).start_fen == PRICE  # the listing's price when no start price is set


def test_starting_draws_the_whole_sequence_once_and_is_idempotent_while_open(mall):
    activity = make_activity(mall, helpers_needed=5)
    buyer = t.make_consumer()

    bargain = bargain_start(buyer=buyer, activity_id=activity.pk)

    assert bargain_start(buyer=buyer, activity_id=activity.pk).pk == bargain.pk
    assert len(bargain.cuts) == 5 and sum(bargain.cuts) == PRICE - FLOOR and min(bargain.cuts) >= 1
    assert (bargain.price_fen, bargain.expires_at) == (PRICE, T0 + timedelta(hours=24))


def test_two_friends_cut_to_the_floor_and_the_buyer_pays_the_floor_with_the_ledger_balanced(mall):
    activity = make_activity(mall)
    bargain = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)
    first, second = t.make_consumer(), t.make_consumer()

    assert bargain_help(helper=first, bargain_id=bargain.pk).cut_fen == bargain.cuts[0]
    assert state(bargain) == ("open", PRICE - bargain.cuts[0], 1)
    assert bargain_help(helper=second, bargain_id=bargain.pk).seq == 2
    assert state(bargain) == ("open", FLOOR, 2)

    order = buy(bargain)

    line = order.lines.get()
    assert (line.activity_kind, line.list_fen, line.activity_fen, line.paid_fen, order.total_fen) == (
        "bargain", PRICE, FLOOR, FLOOR, FLOOR)
    assert state(bargain) == ("bought", FLOOR, 2)
    assert Bargain.objects.get(pk=bargain.pk).order_id == order.pk
    assert sku_stock(mall) == 99
    pay(order)
    assert order.status == "paid"
    report = ledger_verify()
    assert report.ok, report


def test_help_refusals_have_codes_and_change_nothing(mall):
    activity = make_activity(mall)
    buyer = t.make_consumer()
    bargain = bargain_start(buyer=buyer, activity_id=activity.pk)
    friend = t.make_consumer()
    bargain_help(helper=friend, bargain_id=bargain.pk)
    before = state(bargain)

    assert code_of(lambda: bargain_help(helper=buyer, bargain_id=bargain.pk)) == "bargain_self_help"
    assert code_of(lambda: bargain_help(helper=friend, bargain_id=bargain.pk)) == "bargain_already_helped"
    assert code_of(lambda: bargain_help(helper=t.make_merchant_owner(mall["merchant"]),
                                        bargain_id=bargain.pk)) == "permission_denied"
    assert code_of(lambda: bargain_help(helper=t.make_consumer(), bargain_id=10**9)) == "not_found"
    assert state(bargain) == before and BargainHelp.objects.filter(bargain=bargain).count() == 1
    bargain_help(helper=t.make_consumer(), bargain_id=bargain.pk)
    assert code_of(lambda: bargain_help(helper=t.make_consumer(), bargain_id=bargain.pk)) == "bargain_complete"
    assert state(bargain) == ("open", FLOOR, 2)

    other = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)
    clock.advance(timedelta(hours=24))
    assert code_of(lambda: bargain_help(helper=t.make_consumer(), bargain_id=other.pk)) == "bargain_expired"
    assert code_of(lambda: buy(other)) == "bargain_expired"
    assert state(other) == ("open", PRICE, 0)
    assert BargainHelp.objects.filter(bargain=other).count() == 0
    assert Order.objects.count() == 0


def test_the_buyer_may_buy_before_the_floor_at_the_current_price_once(mall):
    activity = make_activity(mall, helpers_needed=3)
    bargain = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)
    bargain_help(helper=t.make_consumer(), bargain_id=bargain.pk)
    now = PRICE - bargain.cuts[0]

    order = buy(bargain)

    assert order.total_fen == now and order.lines.get().activity_fen == now
    assert buy(bargain).pk == order.pk  # same token: the first order
    assert code_of(lambda: buy(bargain, token="b-2")) == "bargain_complete"
    assert code_of(lambda: bargain_help(helper=t.make_consumer(), bargain_id=bargain.pk)) == "bargain_complete"
    assert Order.objects.count() == 1


def test_an_expired_unpaid_order_reopens_the_bargain_and_the_buyer_buys_again(mall):
    activity = make_activity(mall)
    bargain = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)
    bargain_help(helper=t.make_consumer(), bargain_id=bargain.pk)
    order = buy(bargain)
    clock.advance(timedelta(hours=1))

    assert order_expire(order_id=order.pk) is True

    assert state(bargain) == ("open", PRICE - bargain.cuts[0], 1)
    assert Bargain.objects.get(pk=bargain.pk).order_id is None
    assert sku_stock(mall) == 100
    bargain_help(helper=t.make_consumer(), bargain_id=bargain.pk)
    assert buy(bargain, token="b-2").total_fen == FLOOR


def test_a_cancel_after_the_bargain_ran_out_of_time_expires_it(mall):
    activity = make_activity(mall)
    bargain = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)
    order = buy(bargain)
    clock.advance(timedelta(hours=24))

    order_cancel(actor=bargain.buyer, order=order)

    assert state(bargain) == ("expired", PRICE, 0)


def test_a_paused_activity_refuses_start_help_and_buy(mall):
    activity = make_activity(mall)
    bargain = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)
    bargain_activity_set_status(actor=mall["owner"], activity_id=activity.pk, status="paused")

    assert code_of(lambda: bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)) == "bargain_closed"
    assert code_of(lambda: bargain_help(helper=t.make_consumer(), bargain_id=bargain.pk)) == "bargain_closed"
    assert code_of(lambda: buy(bargain)) == "bargain_closed"
    assert state(bargain) == ("open", PRICE, 0)
