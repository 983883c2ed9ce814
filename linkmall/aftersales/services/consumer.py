"""What the consumer does: ask for after-sales on an order line, ship a return back, withdraw."""

import re
from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from linkmall.accounts.models import User
from linkmall.aftersales import rules
from linkmall.aftersales.access import CONSUMER, require_role_on
from linkmall.aftersales.models import AfterSaleRequest
from linkmall.aftersales.selectors import line_requestable_quantity
from linkmall.aftersales.services._common import (
    Kind,
    Status,
    lock_request,
    move,
    next_deadline,
    record,
    require_status,
    schedule_guarantee,
)
from linkmall.aftersales.services.photos import photos_attach, photos_validate
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from linkmall.core.locking import lock_one
from linkmall.orders.models import Fulfilment, Order, OrderLine

#: an order is paid in these states; only paid money can be refunded
PAID_ORDER_STATUSES = (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.COMPLETED)
#: a return needs goods that left the supplier
SHIPPED_FULFILMENT_STATUSES = (Fulfilment.Status.SHIPPED, Fulfilment.Status.RECEIVED)
TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9-]{4,64}$")


def _clean_text(value: str, *, field: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{field} is required.", detail={"field": field})
    if len(text) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters.", detail={"field": field})
    return text


def aftersale_request(
    *,
    actor: User,
    line: OrderLine,
    kind: str,
    quantity: int,
    reason: str,
    photos: Sequence[UploadedFile] = (),
) -> AfterSaleRequest:
    """The buyer asks for a refund (仅退款) or a return and refund (退货退款) of `quantity` units of a line.

    The supplier or the merchant must answer before `respond_by`; otherwise the platform steps in.
    """
    if actor is None or not actor.is_authenticated:
        raise NotAuthenticated("Log in first.")
    if kind not in Kind.values:
        raise InvalidInput("Unknown kind of after-sales.", detail={"field": "kind", "allowed": Kind.values})
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput("Quantity must be a whole number of at least 1.", detail={"field": "quantity"})
    reason = _clean_text(reason, field="reason", max_length=200)
    photos = list(photos)
    extensions = photos_validate(photos=photos)

    with transaction.atomic():
        # The order's lock (the orders app's lock for any write to an order or its lines)
        # serializes requests and refunds of the order, so two requests cannot both take the
        # last unit and the refunded quantity read below is current.
        try:
            order = lock_one(Order.objects.all(), line.order_id)
        except Order.DoesNotExist:
            raise NotFound("No such order line.") from None
        if order.buyer_id != actor.pk:
            raise NotFound("No such order line.")
        line = OrderLine.objects.get(pk=line.pk)  # fresh under the lock: refunded_quantity
        if order.status not in PAID_ORDER_STATUSES:
            raise Conflict(
                "Only a paid order can have after-sales.", code="order_not_paid", detail={"status": order.status}
            )
        fulfilment = Fulfilment.objects.get(pk=line.fulfilment_id)
        if kind == Kind.RETURN_REFUND and fulfilment.status not in SHIPPED_FULFILMENT_STATUSES:
            raise Conflict(
                "Nothing was shipped yet, so there is nothing to return; ask for a refund only.",
                code="not_shipped",
                detail={"fulfilment_status": fulfilment.status},
            )
        now = clock.now()
        if fulfilment.received_at is not None and now > fulfilment.received_at + rules.request_window():
            raise Conflict(
                "The after-sales window of this order has closed.",
                code="aftersale_window_closed",
                detail={"closed_at": (fulfilment.received_at + rules.request_window()).isoformat()},
            )
        available = line_requestable_quantity(line=line)
        if quantity > available:
            raise Conflict(
                "More units than are left to ask for.",
                code="quantity_exceeds",
                detail={"requested": quantity, "available": available},
            )
        # what the units paid (campaigns.md §4): taken from the end, after those already asked for
        amount_fen = line.refund_fen(quantity, remaining=available)
        if amount_fen <= 0:
            # fully discounted units (P = 0): there is no money to give back
            raise Conflict("Nothing was paid for these units.", code="refund_exceeds",
                           detail={"line_id": line.pk, "quantity": quantity})
        request = AfterSaleRequest.objects.create(
            order=order,
            line=line,
            requester=actor,
            kind=kind,
            quantity=quantity,
            amount_fen=amount_fen,
            reason=reason,
            status=Status.REQUESTED,
            respond_by=next_deadline(),
            created_at=now,
        )
        photos_attach(request=request, photos=photos, extensions=extensions)
        record(request, actor=actor, role=CONSUMER, action="requested", note=reason)
        schedule_guarantee(request)
    return request


def aftersale_withdraw(*, actor: User, request: AfterSaleRequest) -> AfterSaleRequest:
    """The consumer takes back a request nobody has refunded, before sending anything back."""
    with transaction.atomic():
        request = lock_request(request.pk)
        require_role_on(actor, request, CONSUMER)
        require_status(request, Status.REQUESTED, Status.AWAITING_RETURN)
        move(request, to=Status.WITHDRAWN)
        record(request, actor=actor, role=CONSUMER, action="withdrawn")
    return request


def aftersale_return_ship(
    *, actor: User, request: AfterSaleRequest, carrier: str, tracking_number: str
) -> AfterSaleRequest:
    """The consumer sent the goods back; the supplier now has until `respond_by` to confirm receipt."""
    carrier = _clean_text(carrier, field="carrier", max_length=50)
    tracking_number = _clean_text(tracking_number, field="tracking_number", max_length=64)
    if not TRACKING_NUMBER.match(tracking_number):
        raise InvalidInput(
            "A tracking number is 4 to 64 letters, digits or dashes.", detail={"field": "tracking_number"}
        )
    with transaction.atomic():
        request = lock_request(request.pk)
        require_role_on(actor, request, CONSUMER)
        require_status(request, Status.AWAITING_RETURN)
        if clock.now() > request.respond_by:
            raise Conflict(
                "The time to send the goods back has passed.",
                code="return_deadline_passed",
                detail={"respond_by": request.respond_by.isoformat()},
            )
        move(
            request,
            to=Status.RETURN_SHIPPED,
            return_carrier=carrier,
            return_tracking_number=tracking_number,
            respond_by=next_deadline(),
        )
        record(request, actor=actor, role=CONSUMER, action="return_shipped", note=f"{carrier} {tracking_number}")
        schedule_guarantee(request)
    return request
