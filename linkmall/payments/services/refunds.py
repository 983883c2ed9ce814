"""Refunds: computed from order lines, sent back through the gateway, applied to the order once."""

import logging
import re
from collections.abc import Sequence
from datetime import timedelta

from django.db import IntegrityError, transaction

from linkmall.accounts.models import Role, User
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from linkmall.core.locking import lock_one
from linkmall.core.tasks import enqueue_after
from linkmall.orders.models import Order, OrderLine
from linkmall.orders.services import order_apply_refund
from linkmall.payments.gateways import GatewayUnavailable, get_gateway
from linkmall.payments.models import Payment, Refund
from linkmall.referral.settlement import order_refunded

logger = logging.getLogger("linkmall.payments")

_KEY_RE = re.compile(r"^[A-Za-z0-9_\-|*@]{1,64}$")
#: minutes between retries of a refund the gateway did not answer
RETRY_MINUTES = (1, 5, 30, 120, 720)


def _may_refund_line(actor: User, order: Order, line: OrderLine) -> bool:
    # the stubs cannot type these ids (the merchant's and the supplier's pk is a one-to-one to the tenant)
    merchant_id: int = order.merchant_id
    supplier_id: int = line.supplier_id
    if actor.role == Role.PLATFORM:
        return True
    if actor.role == Role.MERCHANT_OWNER:
        return actor.tenant_id == merchant_id
    if actor.role == Role.SUPPLIER_STAFF:
        return actor.tenant_id == supplier_id
    return False


def refund_create(
    *, actor: User, order: Order, lines: Sequence[tuple[int, int]] | None, reason: str, idempotency_key: str
) -> Refund:
    """Refund `lines` [(line_id, quantity)] of a paid order, or with None everything that remains.

    May be called by platform staff, the order's merchant, or the supplier of every line refunded.
    The amount is what the units paid (docs/specs/campaigns.md §4): the line's paid amount P is
    spread over its units by `unit_share` and refunded units are taken from the end, after those
    already refunded or promised to pending refunds; the last units of a line get exactly what is
    left of it, and when nothing is left after this refund the shipping fee goes back too. The same
    `idempotency_key` returns the same Refund.
    """
    if actor is None or not actor.is_authenticated:
        raise NotAuthenticated("Log in first.")
    if not isinstance(idempotency_key, str) or not _KEY_RE.match(idempotency_key):
        raise InvalidInput(
            "idempotency_key must be 1 to 64 letters, digits or _-|*@.", detail={"field": "idempotency_key"}
        )
    reason = (reason or "").strip()[:200]
    with transaction.atomic():
        locked = lock_one(Order.objects.all(), order.pk)
        order_lines = {line.pk: line for line in OrderLine.objects.filter(order=locked).order_by("pk")}
        if not any(_may_refund_line(actor, locked, line) for line in order_lines.values()):
            raise NotFound("No such order.")
        existing = Refund.objects.filter(out_refund_no=idempotency_key).first()
        if existing is not None:
            if existing.order_id != locked.pk:
                raise Conflict("This idempotency_key belongs to another refund.", code="idempotency_key_reused")
            return existing
        if locked.status not in (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.COMPLETED, Order.Status.CLOSED):
            raise Conflict(
                "Only a paid order can be refunded.", code="order_not_paid", detail={"status": locked.status}
            )
        payment = Payment.objects.filter(order=locked, status=Payment.Status.SUCCEEDED).first()
        if payment is None:
            raise Conflict("Only a paid order can be refunded.", code="order_not_paid")

        # what is already promised to pending refunds is not left to refund again
        pending: dict[int, int] = {}
        pending_line_fen: dict[int, int] = {}
        pending_fen = 0
        for other in Refund.objects.filter(payment=payment, status=Refund.Status.PENDING):
            pending_fen += other.amount_fen
            for entry in other.lines:
                pending[entry["line"]] = pending.get(entry["line"], 0) + entry["quantity"]
                pending_line_fen[entry["line"]] = pending_line_fen.get(entry["line"], 0) + entry["amount_fen"]
        remaining = {
            pk: line.quantity - line.refunded_quantity - pending.get(pk, 0) for pk, line in order_lines.items()
        }
        wanted = _wanted_lines(lines, order_lines, remaining)
        for line_id in wanted:
            if not _may_refund_line(actor, locked, order_lines[line_id]):
                raise NotFound("No such order line.", detail={"line_id": line_id})

        entries, lines_fen = [], 0
        for line_id, quantity in sorted(wanted.items()):
            line = order_lines[line_id]
            if quantity == remaining[line_id]:
                # the exact remainder, so a line refunded in full gives back exactly P
                amount = line.paid_fen - line.refunded_fen - pending_line_fen.get(line_id, 0)
            else:
                amount = line.refund_fen(quantity, remaining=remaining[line_id])
            entries.append({"line": line_id, "quantity": quantity, "amount_fen": amount})
            lines_fen += amount
        nothing_left = all(remaining[pk] - wanted.get(pk, 0) == 0 for pk in order_lines)
        shipping_fen = 0
        if nothing_left:
            shipping_fen = locked.total_fen - locked.refunded_fen - pending_fen - lines_fen
        amount_fen = lines_fen + shipping_fen
        if amount_fen <= 0 or locked.refunded_fen + pending_fen + amount_fen > payment.amount_fen:
            raise Conflict("That is more than was paid.", code="refund_exceeds")
        try:
            with transaction.atomic():
                refund = Refund.objects.create(
                    payment=payment,
                    order=locked,
                    out_refund_no=idempotency_key,
                    amount_fen=amount_fen,
                    shipping_fen=shipping_fen,
                    lines=entries,
                    reason=reason,
                )
        except IntegrityError:
            # a concurrent call with the same key won; its refund is the answer
            refund = Refund.objects.get(out_refund_no=idempotency_key)
            if refund.order_id != locked.pk:
                raise Conflict(
                    "This idempotency_key belongs to another refund.", code="idempotency_key_reused"
                ) from None
            return refund
    return refund_submit(refund_id=refund.pk)


def _wanted_lines(lines: object, order_lines: dict[int, OrderLine], remaining: dict[int, int]) -> dict[int, int]:
    wanted: dict[int, int]
    if lines is None:
        wanted = {pk: left for pk, left in remaining.items() if left > 0}
        if not wanted:
            raise Conflict("Everything has been refunded already.", code="refund_exceeds")
        return wanted
    if not isinstance(lines, (list, tuple)) or not lines:
        raise InvalidInput("Refund at least one line.", detail={"field": "lines"})
    wanted = {}
    for entry in lines:
        try:
            line_id, quantity = entry
        except (TypeError, ValueError):
            raise InvalidInput("Each line is (line_id, quantity).", detail={"field": "lines"}) from None
        if isinstance(line_id, bool) or not isinstance(line_id, int) or line_id not in order_lines:
            raise NotFound("No such order line.", detail={"line_id": line_id})
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidInput("Quantity must be a positive whole number.", detail={"line_id": line_id})
        wanted[line_id] = wanted.get(line_id, 0) + quantity
    for line_id, quantity in wanted.items():
        if quantity > remaining[line_id]:
            raise Conflict(
                "That is more than is left to refund on this line.",
                code="refund_exceeds",
                detail={"line_id": line_id, "requested": quantity, "remaining": remaining[line_id]},
            )
    return wanted


def refund_submit(*, refund_id: int, attempt: int = 0) -> Refund:
    """Send a pending refund to the gateway (idempotent there on out_refund_no). If it does not
    answer, try again later; a definite answer completes or fails the refund."""
    from linkmall.payments.tasks import refund_submit_task

    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    gateway = get_gateway(refund.payment.gateway)
    try:
        result = gateway.refund(
            out_trade_no=refund.payment.out_trade_no,
            out_refund_no=refund.out_refund_no,
            amount_fen=refund.amount_fen,
            total_fen=refund.payment.amount_fen,
        )
    except GatewayUnavailable:
        logger.warning("refund %s: gateway unavailable (attempt %s)", refund.out_refund_no, attempt + 1)
        if attempt < len(RETRY_MINUTES):
            enqueue_after(
                refund_submit_task, clock.now() + timedelta(minutes=RETRY_MINUTES[attempt]), refund.pk, attempt + 1
            )
        return refund
    if result.status == "succeeded":
        return refund_complete(refund_id=refund.pk, gateway_refund_id=result.gateway_refund_id)
    if result.status == "failed":
        return refund_fail(refund_id=refund.pk, message=result.message)
    return refund  # "processing": the gateway's refund notification completes it


def refund_complete(*, refund_id: int, gateway_refund_id: str) -> Refund:
    """The gateway paid the refund out: record it and apply it to the order, exactly once."""
    from linkmall.payments.group_refunds import group_refund_noted

    with transaction.atomic():
        refund = lock_one(Refund.objects.all(), refund_id)
        if refund.status != Refund.Status.PENDING:
            return refund
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.SUCCEEDED, gateway_refund_id=gateway_refund_id[:64], succeeded_at=clock.now()
        )
        if refund.lines or refund.shipping_fen:
            order_apply_refund(
                order_id=refund.order_id,
                lines=[(e["line"], e["quantity"], e["amount_fen"]) for e in refund.lines],
                shipping_fen=refund.shipping_fen,
                refund_key=refund.out_refund_no,
            )
        # shares and rewards follow what remains of the order (chain21 §5)
        order_refunded(order_id=refund.order_id, refund_key=refund.out_refund_no)
        refund.refresh_from_db()
        group_refund_noted(refund=refund)
    return refund


def refund_fail(*, refund_id: int, message: str = "") -> Refund:
    from linkmall.payments.group_refunds import group_refund_noted

    with transaction.atomic():
        refund = lock_one(Refund.objects.all(), refund_id)
        if refund.status == Refund.Status.PENDING:
            logger.error("refund %s refused by the gateway: %s", refund.out_refund_no, message)
            Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(status=Refund.Status.FAILED)
            refund.status = Refund.Status.FAILED
            group_refund_noted(refund=refund)
    return refund


def refund_unaccepted_payment(*, payment: Payment) -> Refund:
    """Give back a payment the order could not take (it expired, or was paid twice). The refund is
    stored with the payment and sent to the gateway by a task after this transaction commits."""
    from linkmall.payments.tasks import refund_submit_task

    refund, created = Refund.objects.get_or_create(
        out_refund_no=f"R{payment.out_trade_no}"[:64],
        defaults={
            "payment": payment,
            "order_id": payment.order_id,
            "amount_fen": payment.amount_fen,
            "lines": [],
            "reason": "订单已关闭，自动退款",
        },
    )
    if created:
        enqueue_after(refund_submit_task, None, refund.pk)
    return refund
