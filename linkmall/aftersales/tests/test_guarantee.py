"""The platform guarantee (售后兜底): when a deadline passes unanswered, the platform acts — once."""

from datetime import UTC, datetime, timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from linkmall.accounts.models import Role, User
from linkmall.aftersales.models import AfterSaleRequest
from linkmall.aftersales.services import (
    aftersale_approve,
    aftersale_guarantee,
    aftersale_request,
    aftersale_return_ship,
    aftersale_withdraw,
)
from linkmall.aftersales.tasks import aftersale_guarantee_task
from linkmall.aftersales.tests.builders import events_of, guarantee_wakeups, make_mall, ship
from linkmall.core import clock
from linkmall.core.errors import Conflict
from linkmall.core.tasks import run_due
from linkmall.payments.models import Refund
from linkmall.payments.services import refund_create

pytestmark = pytest.mark.django_db

Status = AfterSaleRequest.Status
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DEADLINE = timedelta(hours=48)
JUST_BEFORE = DEADLINE - timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(T0)


def ask(mall, *, kind="refund_only", quantity=1):
    return aftersale_request(actor=mall.buyer, line=mall.line, kind=kind, quantity=quantity, reason="质量问题")


def state(request):
    request.refresh_from_db()
    return request.status


def test_nothing_happens_before_the_deadline():
    mall = make_mall()
    request = ask(mall)

    clock.advance(JUST_BEFORE)
    run_due()

    assert state(request) == Status.REQUESTED
    assert aftersale_guarantee(request_id=request.pk) is False
    assert Refund.objects.count() == 0
    assert events_of(request) == [("consumer", "requested")]


def test_an_unanswered_refund_is_paid_by_the_platform_at_the_deadline():
    mall = make_mall(quantity=3, price_fen=9900)
    request = ask(mall, quantity=2)

    clock.advance(DEADLINE)
    run_due()

    assert state(request) == Status.REFUNDED
    refund = Refund.objects.get()
    assert request.refund_id == refund.pk
    assert refund.amount_fen == 19800
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.out_refund_no == f"aftersale-{request.pk}"
    assert events_of(request) == [("consumer", "requested"), ("system", "guarantee"), ("system", "refunded")]
    assert list(request.events.filter(actor_role="system").values_list("actor_id", flat=True)) == [None, None]
    mall.refresh()
    assert mall.line.refunded_quantity == 2


def test_the_platform_refunds_as_a_platform_account_nobody_can_log_in_with():
    mall = make_mall()
    ask(mall)
    clock.advance(DEADLINE)
    run_due()

    system = User.objects.get(username="system.aftersale-guarantee")
    assert system.role == Role.PLATFORM
    assert system.is_active is False
    assert system.is_staff is False
    assert system.has_usable_password() is False


def test_an_unanswered_return_is_approved_by_the_platform_and_the_consumer_gets_time_to_ship():
    mall = make_mall()
    ship(mall)
    request = ask(mall, kind="return_refund")

    clock.advance(DEADLINE)
    run_due()

    assert state(request) == Status.AWAITING_RETURN
    assert request.respond_by == T0 + 2 * DEADLINE
    assert Refund.objects.count() == 0
    assert events_of(request) == [("consumer", "requested"), ("system", "guarantee"), ("system", "approved")]
    assert guarantee_wakeups(request) == [T0 + 2 * DEADLINE]


def test_a_return_never_shipped_back_closes_at_its_deadline_without_a_refund():
    mall = make_mall()
    ship(mall)
    request = ask(mall, kind="return_refund")
    aftersale_approve(actor=mall.supplier_staff, request=request)

    clock.advance(JUST_BEFORE)
    run_due()
    assert state(request) == Status.AWAITING_RETURN

    clock.advance(timedelta(seconds=1))
    run_due()
    assert state(request) == Status.CLOSED
    assert Refund.objects.count() == 0
    assert events_of(request)[-1] == ("system", "closed")


def test_a_return_the_supplier_does_not_confirm_is_refunded_by_the_platform():
    mall = make_mall(price_fen=9900)
    ship(mall)
    request = ask(mall, kind="return_refund")
    aftersale_approve(actor=mall.supplier_staff, request=request)
    clock.advance(timedelta(hours=10))
    aftersale_return_ship(actor=mall.buyer, request=request, carrier="顺丰速运", tracking_number="SF998877665")

    clock.advance(JUST_BEFORE)
    run_due()
    assert state(request) == Status.RETURN_SHIPPED

    clock.advance(timedelta(seconds=1))
    run_due()
    assert state(request) == Status.REFUNDED
    assert Refund.objects.get().amount_fen == 9900
    assert events_of(request)[-2:] == [("system", "guarantee"), ("system", "refunded")]


def test_an_answer_in_time_leaves_the_platform_nothing_to_do():
    mall = make_mall()
    request = ask(mall)
    clock.advance(JUST_BEFORE)
    aftersale_approve(actor=mall.merchant_owner, request=request)
    events_before = events_of(request)

    clock.advance(timedelta(days=3))
    run_due()

    assert state(request) == Status.REFUNDED
    assert Refund.objects.count() == 1
    assert events_of(request) == events_before


def test_a_wake_up_left_from_an_earlier_state_does_nothing():
    mall = make_mall()
    ship(mall)
    request = ask(mall, kind="return_refund")
    clock.advance(timedelta(hours=1))
    aftersale_approve(actor=mall.supplier_staff, request=request)  # the consumer now has until T0+49h

    clock.advance(timedelta(hours=47))  # T0+48h: the first wake-up is due
    run_due()
    assert state(request) == Status.AWAITING_RETURN

    clock.advance(timedelta(hours=1))  # T0+49h: the consumer's deadline
    run_due()
    assert state(request) == Status.CLOSED


def test_running_the_guarantee_twice_refunds_once():
    mall = make_mall()
    request = ask(mall)
    clock.advance(DEADLINE)

    assert aftersale_guarantee(request_id=request.pk) is True
    assert aftersale_guarantee(request_id=request.pk) is False
    run_due()

    assert state(request) == Status.REFUNDED
    assert Refund.objects.count() == 1
    assert [action for _role, action in events_of(request)].count("refunded") == 1


def test_a_late_approval_after_the_platform_refunded_is_refused():
    mall = make_mall()
    request = ask(mall)
    clock.advance(DEADLINE)
    run_due()

    with pytest.raises(Conflict):
        aftersale_approve(actor=mall.supplier_staff, request=request)
    assert Refund.objects.count() == 1


def test_a_withdrawn_request_is_left_alone():
    mall = make_mall()
    request = ask(mall)
    aftersale_withdraw(actor=mall.buyer, request=request)

    clock.advance(DEADLINE)
    run_due()

    assert state(request) == Status.WITHDRAWN
    assert Refund.objects.count() == 0


def test_an_unknown_request_is_nothing_to_do():
    assert aftersale_guarantee(request_id=987654) is False


def test_the_task_runs_the_guarantee(mall):
    request = ask(mall)
    clock.advance(DEADLINE)

    assert aftersale_guarantee_task.call(request.pk) is True
    assert state(request) == Status.REFUNDED


def test_a_refund_that_can_no_longer_be_made_leaves_the_request_for_platform_staff():
    mall = make_mall(quantity=1)
    request = ask(mall)
    # the merchant refunds the whole order outside after-sales meanwhile
    refund_create(
        actor=mall.merchant_owner, order=mall.order, lines=None, reason="协商退款", idempotency_key="direct-1"
    )
    clock.advance(DEADLINE)

    run_due()

    assert state(request) == Status.REQUESTED
    assert events_of(request) == [("consumer", "requested")]
    assert Refund.objects.count() == 1
    failed = DBTaskResult.objects.get(task_path="linkmall.aftersales.tasks.aftersale_guarantee_task")
    assert failed.status == "FAILED"
    overdue = AfterSaleRequest.objects.filter(status__in=AfterSaleRequest.OPEN_STATUSES, respond_by__lte=clock.now())
    assert list(overdue) == [request]  # what the admin's "overdue" filter shows
