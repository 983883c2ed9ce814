"""The supplier of the line or the merchant of the order decides; platform staff may overrule."""

from datetime import UTC, datetime, timedelta

import pytest

from linkmall import testing
from linkmall.aftersales.models import AfterSaleEvent, AfterSaleRequest
from linkmall.aftersales.services import (
    aftersale_approve,
    aftersale_reject,
    aftersale_request,
    aftersale_return_receive,
    aftersale_return_ship,
    aftersale_withdraw,
)
from linkmall.aftersales.tests.builders import events_of, guarantee_wakeups, make_mall, ship
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkmall.orders.models import Order
from linkmall.payments.models import Refund

pytestmark = pytest.mark.django_db

Status = AfterSaleRequest.Status
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(T0)


def ask(mall, *, kind="refund_only", quantity=1):
    return aftersale_request(actor=mall.buyer, line=mall.line, kind=kind, quantity=quantity, reason="质量问题")


def snapshot(request):
    """Everything a refused action must leave as it was."""
    request.refresh_from_db()
    return (
        request.status,
        request.respond_by,
        request.refund_id,
        request.return_tracking_number,
        AfterSaleEvent.objects.filter(request=request).count(),
        Refund.objects.count(),
    )


@pytest.mark.parametrize("decider", ["supplier_staff", "merchant_owner", "platform"])
def test_approving_a_refund_only_request_refunds_the_units_now(decider):
    mall = make_mall(quantity=3, price_fen=9900)
    request = ask(mall, quantity=2)
    actor = getattr(mall, decider)

    aftersale_approve(actor=actor, request=request, note="同意退款")

    request.refresh_from_db()
    refund = Refund.objects.get()
    assert request.status == Status.REFUNDED
    assert request.refund_id == refund.pk
    assert refund.out_refund_no == f"aftersale-{request.pk}"
    assert refund.amount_fen == 19800
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.lines == [{"line": mall.line.pk, "quantity": 2, "amount_fen": 19800}]
    mall.refresh()
    assert mall.line.refunded_quantity == 2
    assert mall.order.refunded_fen == 19800
    role = {"supplier_staff": "supplier", "merchant_owner": "merchant", "platform": "platform"}[decider]
    assert events_of(request) == [("consumer", "requested"), (role, "approved"), (role, "refunded")]
    assert request.events.get(action="approved").note == "同意退款"
    assert request.events.get(action="approved").actor_id == actor.pk


def test_refunding_every_unit_closes_the_order():
    mall = make_mall(quantity=3)
    aftersale_approve(actor=mall.merchant_owner, request=ask(mall, quantity=3))

    mall.refresh()
    assert mall.order.status == Order.Status.CLOSED
    assert mall.order.refunded_fen == mall.order.total_fen


def test_refunded_units_cannot_be_asked_for_again():
    mall = make_mall(quantity=3)
    aftersale_approve(actor=mall.supplier_staff, request=ask(mall, quantity=2))

    with pytest.raises(Conflict) as refused:
        ask(mall, quantity=2)
    assert refused.value.detail == {"requested": 2, "available": 1}


def test_a_return_goes_from_approval_to_shipment_to_receipt_to_refund():
    mall = make_mall(quantity=3, price_fen=9900)
    ship(mall)
    request = ask(mall, kind="return_refund", quantity=1)

    clock.advance(timedelta(hours=2))
    aftersale_approve(actor=mall.merchant_owner, request=request)
    request.refresh_from_db()
    assert request.status == Status.AWAITING_RETURN
    assert request.respond_by == T0 + timedelta(hours=50)
    assert Refund.objects.count() == 0

    clock.advance(timedelta(hours=3))
    aftersale_return_ship(actor=mall.buyer, request=request, carrier="顺丰速运", tracking_number="SF998877665")
    request.refresh_from_db()
    assert request.status == Status.RETURN_SHIPPED
    assert (request.return_carrier, request.return_tracking_number) == ("顺丰速运", "SF998877665")
    assert request.respond_by == T0 + timedelta(hours=53)

    aftersale_return_receive(actor=mall.supplier_staff, request=request)
    request.refresh_from_db()
    assert request.status == Status.REFUNDED
    assert Refund.objects.get().amount_fen == 9900
    assert events_of(request) == [
        ("consumer", "requested"),
        ("merchant", "approved"),
        ("consumer", "return_shipped"),
        ("supplier", "return_received"),
        ("supplier", "refunded"),
    ]
    assert guarantee_wakeups(request) == [
        T0 + timedelta(hours=48),
        T0 + timedelta(hours=50),
        T0 + timedelta(hours=53),
    ]


def test_only_the_supplier_or_platform_confirms_a_return_arrived():
    mall = make_mall()
    ship(mall)
    request = ask(mall, kind="return_refund")
    aftersale_approve(actor=mall.supplier_staff, request=request)
    aftersale_return_ship(actor=mall.buyer, request=request, carrier="中通快递", tracking_number="ZT12345678")
    before = snapshot(request)

    with pytest.raises(PermissionDenied):
        aftersale_return_receive(actor=mall.merchant_owner, request=request)

    assert snapshot(request) == before


def test_rejecting_needs_a_reason_and_records_it():
    mall = make_mall()
    request = ask(mall)
    before = snapshot(request)

    with pytest.raises(InvalidInput):
        aftersale_reject(actor=mall.supplier_staff, request=request, note="  ")
    assert snapshot(request) == before

    aftersale_reject(actor=mall.supplier_staff, request=request, note="已正常签收，无质量问题")
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert events_of(request) == [("consumer", "requested"), ("supplier", "rejected")]
    assert request.events.get(action="rejected").note == "已正常签收，无质量问题"
    assert Refund.objects.count() == 0


def test_after_the_deadline_the_supplier_can_no_longer_reject():
    mall = make_mall()
    request = ask(mall)
    clock.advance(timedelta(hours=48, seconds=1))
    before = snapshot(request)

    with pytest.raises(Conflict) as refused:
        aftersale_reject(actor=mall.supplier_staff, request=request, note="太晚了也想拒绝")

    assert refused.value.code == "response_deadline_passed"
    assert snapshot(request) == before


def test_a_late_approval_is_still_taken_before_the_guarantee_acts():
    mall = make_mall()
    request = ask(mall)
    clock.advance(timedelta(hours=50))

    aftersale_approve(actor=mall.supplier_staff, request=request)

    request.refresh_from_db()
    assert request.status == Status.REFUNDED


@pytest.mark.parametrize("stranger", ["other_supplier_staff", "other_merchant_owner", "other_consumer"])
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_another_tenant_cannot_decide_and_learns_nothing(stranger, action):
    mall = make_mall()
    request = ask(mall)
    before = snapshot(request)
    actor = getattr(mall, stranger)

    with pytest.raises(NotFound):
        if action == "approve":
            aftersale_approve(actor=actor, request=request)
        else:
            aftersale_reject(actor=actor, request=request, note="不行")

    assert snapshot(request) == before


def test_the_consumer_cannot_approve_their_own_request():
    mall = make_mall()
    request = ask(mall)
    before = snapshot(request)

    with pytest.raises(PermissionDenied):
        aftersale_approve(actor=mall.buyer, request=request)

    assert snapshot(request) == before


def test_a_guide_of_the_merchant_cannot_decide():
    mall = make_mall()
    guide = testing.make_guide(testing.make_store(mall.merchant)).user
    request = ask(mall)
    before = snapshot(request)

    with pytest.raises(NotFound):
        aftersale_approve(actor=guide, request=request)

    assert snapshot(request) == before


def test_approving_twice_refunds_once():
    mall = make_mall()
    request = ask(mall)
    aftersale_approve(actor=mall.supplier_staff, request=request)
    before = snapshot(request)

    with pytest.raises(Conflict) as refused:
        aftersale_approve(actor=mall.merchant_owner, request=request)

    assert refused.value.code == "aftersale_state"
    assert snapshot(request) == before
    assert Refund.objects.count() == 1


def test_the_supplier_cannot_overturn_its_own_rejection():
    mall = make_mall()
    request = ask(mall)
    aftersale_reject(actor=mall.supplier_staff, request=request, note="无质量问题")
    before = snapshot(request)

    with pytest.raises(Conflict):
        aftersale_approve(actor=mall.supplier_staff, request=request)

    assert snapshot(request) == before


def test_platform_staff_overturn_a_rejection_and_the_consumer_is_refunded():
    mall = make_mall()
    request = ask(mall, quantity=2)
    aftersale_reject(actor=mall.merchant_owner, request=request, note="不同意")

    aftersale_approve(actor=mall.platform, request=request, note="凭证充分，平台判定退款")

    request.refresh_from_db()
    assert request.status == Status.REFUNDED
    assert Refund.objects.get().amount_fen == 2 * mall.line.unit_price_fen
    assert events_of(request)[-2:] == [("platform", "approved"), ("platform", "refunded")]


def test_overturning_a_rejection_checks_the_units_were_not_asked_for_again():
    mall = make_mall(quantity=3)
    rejected = ask(mall, quantity=2)
    aftersale_reject(actor=mall.merchant_owner, request=rejected, note="不同意")
    ask(mall, quantity=3)  # the consumer asked again, for every unit
    before = snapshot(rejected)

    with pytest.raises(Conflict) as refused:
        aftersale_approve(actor=mall.platform, request=rejected)

    assert refused.value.code == "quantity_exceeds"
    assert snapshot(rejected) == before


def test_platform_staff_may_stop_a_return_in_progress():
    mall = make_mall()
    ship(mall)
    request = ask(mall, kind="return_refund")
    aftersale_approve(actor=mall.supplier_staff, request=request)

    aftersale_reject(actor=mall.platform, request=request, note="经核实为恶意退货")

    request.refresh_from_db()
    assert request.status == Status.REJECTED


def test_the_consumer_withdraws_an_open_request():
    mall = make_mall()
    request = ask(mall)

    aftersale_withdraw(actor=mall.buyer, request=request)

    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert events_of(request) == [("consumer", "requested"), ("consumer", "withdrawn")]


def test_a_return_on_its_way_back_cannot_be_withdrawn():
    mall = make_mall()
    ship(mall)
    request = ask(mall, kind="return_refund")
    aftersale_approve(actor=mall.supplier_staff, request=request)
    aftersale_return_ship(actor=mall.buyer, request=request, carrier="中通快递", tracking_number="ZT12345678")
    before = snapshot(request)

    with pytest.raises(Conflict):
        aftersale_withdraw(actor=mall.buyer, request=request)

    assert snapshot(request) == before


@pytest.mark.parametrize("who", ["other_consumer", "other_supplier_staff"])
def test_nobody_else_can_withdraw_or_ship_a_return(who):
    mall = make_mall()
    ship(mall)
    request = ask(mall, kind="return_refund")
    aftersale_approve(actor=mall.supplier_staff, request=request)
    before = snapshot(request)
    actor = getattr(mall, who)

    with pytest.raises(NotFound):
        aftersale_withdraw(actor=actor, request=request)
    with pytest.raises(NotFound):
        aftersale_return_ship(actor=actor, request=request, carrier="中通快递", tracking_number="ZT12345678")

    assert snapshot(request) == before


def test_the_supplier_cannot_withdraw_for_the_consumer():
    mall = make_mall()
    request = ask(mall)
    before = snapshot(request)

    with pytest.raises(PermissionDenied):
        aftersale_withdraw(actor=mall.supplier_staff, request=request)

    assert snapshot(request) == before


def test_a_return_cannot_be_shipped_before_it_is_approved():
    mall = make_mall()
    ship(mall)
    request = ask(mall, kind="return_refund")
    before = snapshot(request)

    with pytest.raises(Conflict):
        aftersale_return_ship(actor=mall.buyer, request=request, carrier="中通快递", tracking_number="ZT12345678")

    assert snapshot(request) == before


@pytest.mark.parametrize(("carrier", "tracking"), [("", "ZT12345678"), ("中通快递", "ZT 1234"), ("中通快递", "abc")])
def test_a_return_needs_a_carrier_and_a_plausible_tracking_number(carrier, tracking):
    mall = make_mall()
    ship(mall)
    request = ask(mall, kind="return_refund")
    aftersale_approve(actor=mall.supplier_staff, request=request)
    before = snapshot(request)

    with pytest.raises(InvalidInput):
        aftersale_return_ship(actor=mall.buyer, request=request, carrier=carrier, tracking_number=tracking)

    assert snapshot(request) == before


def test_a_return_shipped_after_its_deadline_is_refused():
    mall = make_mall()
    ship(mall)
    request = ask(mall, kind="return_refund")
    aftersale_approve(actor=mall.supplier_staff, request=request)
    clock.advance(timedelta(hours=48, seconds=1))
    before = snapshot(request)

    with pytest.raises(Conflict) as refused:
        aftersale_return_ship(actor=mall.buyer, request=request, carrier="中通快递", tracking_number="ZT12345678")

    assert refused.value.code == "return_deadline_passed"
    assert snapshot(request) == before
