"""Races on one request: whoever comes second sees the first one's outcome. Real threads, real
transactions (PostgreSQL row locks; SQLite's IMMEDIATE transactions)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import close_old_connections, connection

from linkmall.aftersales.models import AfterSaleEvent, AfterSaleRequest
from linkmall.aftersales.services import aftersale_approve, aftersale_guarantee, aftersale_request
from linkmall.aftersales.tests.builders import make_mall
from linkmall.core import clock
from linkmall.core.errors import Conflict
from linkmall.payments.models import Refund

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(T0)


def race(*jobs) -> list:
    """Start every job at the same moment in its own thread; their results, in job order."""
    results: list = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def run(index, job):
        try:
            start.wait()
            results[index] = job()
        except Conflict as exc:
            results[index] = exc.code
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def ask(mall, *, quantity=1):
    return aftersale_request(actor=mall.buyer, line=mall.line, kind="refund_only", quantity=quantity, reason="坏了")


def refunded_events(request) -> int:
    return AfterSaleEvent.objects.filter(request=request, action="refunded").count()


def test_the_guarantee_racing_a_late_approval_refunds_exactly_once():
    mall = make_mall()
    request = ask(mall)
    clock.advance(timedelta(hours=49))

    guarantee, approval = race(
        lambda: aftersale_guarantee(request_id=request.pk),
        lambda: aftersale_approve(actor=mall.supplier_staff, request=request).status,
    )

    # one of them won; the other saw it had nothing left to do
    assert (guarantee, approval) in [(True, "aftersale_state"), (False, "refunded")]
    request.refresh_from_db()
    assert request.status == AfterSaleRequest.Status.REFUNDED
    assert Refund.objects.count() == 1
    assert refunded_events(request) == 1


def test_the_guarantee_task_running_twice_at_once_refunds_exactly_once():
    mall = make_mall()
    request = ask(mall)
    clock.advance(timedelta(hours=48))

    outcomes = race(*[lambda: aftersale_guarantee(request_id=request.pk)] * 4)

    assert sorted(outcomes) == [False, False, False, True]
    assert Refund.objects.count() == 1
    assert refunded_events(request) == 1


def test_supplier_and_merchant_approving_at_once_refund_exactly_once():
    mall = make_mall()
    request = ask(mall)

    outcomes = race(
        lambda: aftersale_approve(actor=mall.supplier_staff, request=request).status,
        lambda: aftersale_approve(actor=mall.merchant_owner, request=request).status,
    )

    assert sorted(outcomes) == ["aftersale_state", "refunded"]
    assert Refund.objects.count() == 1
    assert refunded_events(request) == 1


def test_requests_racing_for_the_last_units_never_ask_for_more_than_was_bought():
    mall = make_mall(quantity=3)

    outcomes = race(*[lambda: ask(mall, quantity=2).quantity] * 3)

    assert sorted(outcomes, key=str) == [2, "quantity_exceeds", "quantity_exceeds"]
    assert AfterSaleRequest.objects.get().quantity == 2
