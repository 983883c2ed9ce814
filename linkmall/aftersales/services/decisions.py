"""What the supplier of the line, the merchant of the order or platform staff decide."""

from django.db import transaction

from linkmall.accounts.models import User
from linkmall.aftersales.access import MERCHANT, PLATFORM, SUPPLIER, require_role_on
from linkmall.aftersales.models import AfterSaleRequest
from linkmall.aftersales.selectors import line_requestable_quantity
from linkmall.aftersales.services._common import (
    Kind,
    Status,
    lock_request,
    move,
    next_deadline,
    record,
    refund,
    require_status,
    schedule_guarantee,
)
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput
from linkmall.core.locking import lock_one
from linkmall.orders.models import Order, OrderLine


def aftersale_approve(*, actor: User, request: AfterSaleRequest, note: str = "") -> AfterSaleRequest:
    """Agree to the request: a refund-only request is refunded now; a return waits for the goods.

    An answer after `respond_by` is still taken while the guarantee has not acted: it only gives
    the consumer what the platform would have. Platform staff may also overturn a rejection.
    """
    note = (note or "").strip()[:500]
    with transaction.atomic():
        request = lock_request(request.pk)
        role = require_role_on(actor, request, SUPPLIER, MERCHANT, PLATFORM)
        if role == PLATFORM:
            require_status(request, Status.REQUESTED, Status.REJECTED)
        else:
            require_status(request, Status.REQUESTED)
        if request.status == Status.REJECTED:
            _require_units_still_free(request)
        record(request, actor=actor, role=role, action="approved", note=note)
        if request.kind == Kind.REFUND_ONLY:
            refund(request, actor=actor, role=role, reason=_refund_reason(request))
        else:
            move(request, to=Status.AWAITING_RETURN, respond_by=next_deadline())
            schedule_guarantee(request)
    return request


def aftersale_reject(*, actor: User, request: AfterSaleRequest, note: str) -> AfterSaleRequest:
    """Refuse the request, saying why. Only before the deadline: after it the platform decides.

    Platform staff may also stop a return in progress (e.g. a fraudulent request).
    """
    note = (note or "").strip()
    if not note:
        raise InvalidInput("Say why the request is rejected.", detail={"field": "note"})
    if len(note) > 500:
        raise InvalidInput("The note is longer than 500 characters.", detail={"field": "note"})
    with transaction.atomic():
        request = lock_request(request.pk)
        role = require_role_on(actor, request, SUPPLIER, MERCHANT, PLATFORM)
        if role == PLATFORM:
            require_status(request, Status.REQUESTED, Status.AWAITING_RETURN, Status.RETURN_SHIPPED)
        else:
            require_status(request, Status.REQUESTED)
            if clock.now() > request.respond_by:
                raise Conflict(
                    "The time to answer has passed; the platform decides now.",
                    code="response_deadline_passed",
                    detail={"respond_by": request.respond_by.isoformat()},
                )
        move(request, to=Status.REJECTED)
        record(request, actor=actor, role=role, action="rejected", note=note)
    return request


def aftersale_return_receive(*, actor: User, request: AfterSaleRequest) -> AfterSaleRequest:
    """The supplier got the goods back (they ship drop-ship, so returns go to them): refund now."""
    with transaction.atomic():
        request = lock_request(request.pk)
        role = require_role_on(actor, request, SUPPLIER, PLATFORM)
        require_status(request, Status.RETURN_SHIPPED)
        record(request, actor=actor, role=role, action="return_received")
        refund(request, actor=actor, role=role, reason=_refund_reason(request))
    return request


def _require_units_still_free(request: AfterSaleRequest) -> None:
    """Overturning a rejection: the consumer may have asked again for the same units meanwhile."""
    lock_one(Order.objects.all(), request.order_id)  # as aftersale_request does: order first
    line = OrderLine.objects.get(pk=request.line_id)
    available = line_requestable_quantity(line=line, exclude_request_id=request.pk)
    if request.quantity > available:
        raise Conflict(
            "Those units were refunded or asked for again meanwhile.",
            code="quantity_exceeds",
            detail={"requested": request.quantity, "available": available},
        )


def _refund_reason(request: AfterSaleRequest) -> str:
    return f"售后 #{request.pk}: {request.reason}"
