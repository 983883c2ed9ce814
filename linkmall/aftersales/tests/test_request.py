"""A consumer asks for after-sales: who may, for what, how many, and until when."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from linkmall.aftersales.models import AfterSaleEvent, AfterSaleRequest
from linkmall.aftersales.selectors import line_requestable_quantity
from linkmall.aftersales.services import aftersale_reject, aftersale_request, aftersale_withdraw
from linkmall.aftersales.tests.builders import events_of, guarantee_wakeups, make_mall, receive, ship
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from linkmall.orders.services import order_cancel

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(T0)


def ask(mall, *, actor=None, kind="refund_only", quantity=1, reason="商品有破损", **kwargs):
    return aftersale_request(
        actor=actor or mall.buyer, line=mall.line, kind=kind, quantity=quantity, reason=reason, **kwargs
    )


def test_the_buyer_asks_for_a_refund_of_part_of_a_paid_line():
    mall = make_mall(quantity=3, price_fen=9900)

    request = ask(mall, quantity=2, reason="  少发了两件  ")

    request.refresh_from_db()
    assert request.status == AfterSaleRequest.Status.REQUESTED
    assert request.kind == AfterSaleRequest.Kind.REFUND_ONLY
    assert request.order_id == mall.order.pk
    assert request.requester_id == mall.buyer.pk
    assert request.quantity == 2
    assert request.amount_fen == 19800
    assert request.reason == "少发了两件"
    assert request.respond_by == T0 + timedelta(hours=48)
    assert request.created_at == T0
    assert events_of(request) == [("consumer", "requested")]
    assert request.events.get().actor_id == mall.buyer.pk
    assert guarantee_wakeups(request) == [T0 + timedelta(hours=48)]


def test_the_response_time_follows_the_setting(settings):
    settings.LINKMALL = {**settings.LINKMALL, "AFTERSALE_RESPONSE_HOURS": 24}
    mall = make_mall()

    request = ask(mall)

    assert request.respond_by == T0 + timedelta(hours=24)
    assert guarantee_wakeups(request) == [T0 + timedelta(hours=24)]


def test_asking_for_a_return_needs_the_goods_shipped_first():
    mall = make_mall()

    with pytest.raises(Conflict) as refused:
        ask(mall, kind="return_refund")

    assert refused.value.code == "not_shipped"
    assert AfterSaleRequest.objects.count() == 0


def test_a_shipped_line_can_be_returned():
    mall = make_mall()
    ship(mall)

    request = ask(mall, kind="return_refund", quantity=3)

    assert request.kind == AfterSaleRequest.Kind.RETURN_REFUND
    assert request.amount_fen == 29700


@pytest.mark.parametrize("who", ["other_consumer", "supplier_staff", "merchant_owner", "platform"])
def test_nobody_but_the_buyer_may_ask_and_others_learn_nothing(who):
    mall = make_mall()

    with pytest.raises(NotFound):
        ask(mall, actor=getattr(mall, who))

    assert AfterSaleRequest.objects.count() == 0


def test_an_anonymous_visitor_must_log_in_first():
    mall = make_mall()
    with pytest.raises(NotAuthenticated):
        ask(mall, actor=AnonymousUser())
    assert AfterSaleRequest.objects.count() == 0


def test_an_unpaid_order_has_no_after_sales():
    mall = make_mall(paid=False)

    with pytest.raises(Conflict) as refused:
        ask(mall)

    assert refused.value.code == "order_not_paid"
    assert AfterSaleRequest.objects.count() == 0


def test_a_cancelled_order_has_no_after_sales():
    mall = make_mall(paid=False)
    order_cancel(actor=mall.buyer, order=mall.order)

    with pytest.raises(Conflict) as refused:
        ask(mall)

    assert refused.value.code == "order_not_paid"
    assert AfterSaleRequest.objects.count() == 0


def test_units_held_by_an_open_request_cannot_be_asked_for_again():
    mall = make_mall(quantity=3)
    ask(mall, quantity=2)

    with pytest.raises(Conflict) as refused:
        ask(mall, quantity=2)

    assert refused.value.code == "quantity_exceeds"
    assert refused.value.detail == {"requested": 2, "available": 1}
    assert AfterSaleRequest.objects.count() == 1
    assert ask(mall, quantity=1).quantity == 1
    assert line_requestable_quantity(line=mall.line) == 0


def test_more_units_than_were_bought_are_refused():
    mall = make_mall(quantity=3)

    with pytest.raises(Conflict) as refused:
        ask(mall, quantity=4)

    assert refused.value.detail == {"requested": 4, "available": 3}
    assert AfterSaleRequest.objects.count() == 0


def test_a_withdrawn_request_frees_its_units():
    mall = make_mall(quantity=3)
    first = ask(mall, quantity=3)
    aftersale_withdraw(actor=mall.buyer, request=first)

    again = ask(mall, quantity=3)

    assert again.quantity == 3


def test_a_rejected_request_frees_its_units_so_the_consumer_may_ask_again():
    mall = make_mall(quantity=3)
    first = ask(mall, quantity=3)
    aftersale_reject(actor=mall.supplier_staff, request=first, note="商品无质量问题")

    assert ask(mall, quantity=3).quantity == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "exchange"),
        ("quantity", 0),
        ("quantity", -1),
        ("quantity", True),
        ("quantity", "2"),
        ("reason", "   "),
        ("reason", "太" * 201),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(field, value):
    mall = make_mall()
    kwargs = {"kind": "refund_only", "quantity": 1, "reason": "坏了", field: value}

    with pytest.raises(InvalidInput):
        ask(mall, **kwargs)

    assert AfterSaleRequest.objects.count() == 0
    assert AfterSaleEvent.objects.count() == 0


def test_the_window_stays_open_for_fifteen_days_after_receipt():
    mall = make_mall()
    ship(mall)
    receive(mall)

    clock.advance(timedelta(days=15))

    assert ask(mall, kind="return_refund").status == AfterSaleRequest.Status.REQUESTED


def test_the_window_closes_fifteen_days_after_receipt():
    mall = make_mall()
    ship(mall)
    receive(mall)

    clock.advance(timedelta(days=15, seconds=1))

    with pytest.raises(Conflict) as refused:
        ask(mall, kind="return_refund")
    assert refused.value.code == "aftersale_window_closed"
    assert refused.value.detail == {"closed_at": (T0 + timedelta(days=15)).isoformat()}
    assert AfterSaleRequest.objects.count() == 0


def test_the_window_length_follows_the_setting(settings):
    settings.LINKMALL = {**settings.LINKMALL, "AFTERSALE_WINDOW_DAYS": 7}
    mall = make_mall()
    ship(mall)
    receive(mall)

    clock.advance(timedelta(days=7, seconds=1))

    with pytest.raises(Conflict):
        ask(mall)


def test_goods_not_yet_received_have_no_window_to_close():
    mall = make_mall()
    ship(mall)

    clock.advance(timedelta(days=9))  # before the automatic receipt

    assert ask(mall).status == AfterSaleRequest.Status.REQUESTED
