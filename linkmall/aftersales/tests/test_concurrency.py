"""Races on one request: whoever comes second sees the first one's outcome. Real threads, real
transactions (PostgreSQL row locks; SQLite's IMMEDIATE transactions)."""

from datetime import UTC, datetime, timedelta

import pytest

from linkmall.aftersales.models import AfterSaleEvent, AfterSaleRequest
from linkmall.aftersales.services import aftersale_approve, aftersale_guarantee, aftersale_request
from linkmall.aftersales.tests.builders import make_mall
from linkmall.core import clock
from linkmall.payments.models import Refund
from linkmall.testing import outcomes, race

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(T0)


def ask(mall, *, quantity=1):
    return aftersale_request(actor=mall.buyer, line=mall.line, kind="refund_only", quantity=quantity, reason="坏了")


def refunded_events(request) -> int:
    return AfterSaleEvent.objects.filter(request=request, action="refunded").count()


@pytest.mark.row_locks
def test_the_guarantee_racing_a_late_approval_refunds_exactly_once():
    mall = make_mall()
    request = ask(mall)
    clock.advance(timedelta(hours=49))

    guarantee, approval = outcomes(race(
        lambda: aftersale_guarantee(request_id=request.pk),
        lambda: aftersale_approve(actor=mall.supplier_staff, request=request).status,
    ))

    # one of them won; the other saw it had nothing left to do
    assert (guarantee, approval) in [(True, "aftersale_state"), (False, "refunded")]
    request.refresh_from_db()
    assert request.status == AfterSaleRequest.Status.REFUNDED
    assert Refund.objects.count() == 1
    assert refunded_events(request) == 1


@pytest.mark.row_locks
def test_the_guarantee_task_running_twice_at_once_refunds_exactly_once():
    mall = make_mall()
    request = ask(mall)
    clock.advance(timedelta(hours=48))

    results = outcomes(race(*[lambda: aftersale_guarantee(request_id=request.pk)] * 4))

    assert sorted(results) == [False, False, False, True]
    assert Refund.objects.count() == 1
    assert refunded_events(request) == 1


def test_supplier_and_merchant_approving_at_once_refund_exactly_once():
    mall = make_mall()
    request = ask(mall)

    results = outcomes(race(
        lambda: aftersale_approve(actor=mall.supplier_staff, request=request).status,
        lambda: aftersale_approve(actor=mall.merchant_owner, request=request).status,
    ))

    assert sorted(results) == ["aftersale_state", "refunded"]
    assert Refund.objects.count() == 1
    assert refunded_events(request) == 1


@pytest.mark.row_locks
def test_requests_racing_for_the_last_units_never_ask_for_more_than_was_bought():
    mall = make_mall(quantity=3)

    results = outcomes(race(*[lambda: ask(mall, quantity=2).quantity] * 3))

    assert sorted(results, key=str) == [2, "quantity_exceeds", "quantity_exceeds"]
    assert AfterSaleRequest.objects.get().quantity == 2
