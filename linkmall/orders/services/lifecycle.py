"""An order after checkout: cancelled or expired while unpaid, paid, refunded."""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import F

from linkmall.accounts.models import User
from linkmall.accounts.tenancy import require_owner
from linkmall.campaigns.services import coupon_release, points_return
from linkmall.catalog.services import sku_stock_release, sku_stock_release_many
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput
from linkmall.customers.purchases import purchase_record, purchase_refund
from linkmall.orders.models import Fulfilment, Order, OrderLine
from linkmall.orders.services._common import lock_order, sync_order_status
from linkmall.orders.services.activity_hooks import activities_paid, activities_released

#: a fulfilment whose units never left the supplier's shelf (a group buy's waits for its group: 待成团)
UNSHIPPED = (Fulfilment.Status.AWAITING_PAYMENT, Fulfilment.Status.AWAITING_GROUP, Fulfilment.Status.TO_SHIP)


def _cancel_unpaid(order: Order) -> bool:
    """Guarded pending_payment → cancelled, then give back the stock, the coupon (while it is still
    valid) and the points (docs/specs/campaigns.md §4). Returns False (and changes nothing) when
    the order is no longer unpaid — e.g. the payment won the race."""
    now = clock.now()
    changed = Order.objects.filter(pk=order.pk, status=Order.Status.PENDING_PAYMENT).update(
        status=Order.Status.CANCELLED, cancelled_at=now
    )
    if changed != 1:
        return False
    Fulfilment.objects.filter(order=order).update(status=Fulfilment.Status.CANCELLED)
    quantities: dict[int, int] = {}
    kinds: set[str] = set()
    for sku_id, quantity, kind in OrderLine.objects.filter(order=order).values_list("sku_id", "quantity",
                                                                                    "activity_kind"):
        quantities[sku_id] = quantities.get(sku_id, 0) + quantity
        kinds.add(kind)
    # units an activity held in its own stock go back to the activity (spec §4), not to the SKU
    for sku_id, quantity in activities_released(order_id=order.pk, kinds=kinds).items():
        quantities[sku_id] -= quantity
    quantities = {sku_id: quantity for sku_id, quantity in quantities.items() if quantity > 0}
    if quantities:
        sku_stock_release_many(quantities=quantities)
    if order.coupon_id is not None:
        coupon_release(coupon_id=order.coupon_id)
    if order.points_used:
        points_return(buyer=order.buyer, merchant=order.merchant, points=order.points_used,
                      key=f"order:{order.pk}:points:return")
    order.status = Order.Status.CANCELLED
    order.cancelled_at = now
    return True


def order_cancel(*, actor: User, order: Order) -> Order:
    """The buyer cancels an order they have not paid yet; its stock is released."""
    require_owner(actor, order.buyer_id, what="order")
    with transaction.atomic():
        locked = lock_order(order.pk)
        if not _cancel_unpaid(locked):
            raise Conflict(
                "Only an unpaid order can be cancelled.", code="order_not_cancellable", detail={"status": locked.status}
            )
    return locked


def order_expire(*, order_id: int) -> bool:
    """Cancel an unpaid order whose payment time is up. True if this call cancelled it.

    Runs as a delayed task; a second run, or a run after the payment arrived, changes nothing.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or order.status != Order.Status.PENDING_PAYMENT:
            return False
        if order.expires_at > clock.now():
            return False
        return _cancel_unpaid(order)


def order_mark_paid(*, order_id: int, paid_at: datetime) -> Order:
    """pending_payment → paid (payments calls this once per succeeded payment).

    Raises Conflict(order_not_payable) when the order is not waiting for payment — cancelled or
    expired, or already paid by another payment; the caller then refunds that payment.
    """
    with transaction.atomic():
        order = lock_order(order_id)
        changed = Order.objects.filter(pk=order.pk, status=Order.Status.PENDING_PAYMENT).update(
            status=Order.Status.PAID, paid_at=paid_at
        )
        if changed != 1:
            raise Conflict(
                "The order is not waiting for payment.", code="order_not_payable", detail={"status": order.status}
            )
        Fulfilment.objects.filter(order=order, status=Fulfilment.Status.AWAITING_PAYMENT).update(
            status=Fulfilment.Status.TO_SHIP
        )
        order.status = Order.Status.PAID
        order.paid_at = paid_at
        activities_paid(order_id=order.pk, kinds=OrderLine.objects.filter(order=order).exclude(
            activity_kind="").values_list("activity_kind", flat=True))
        purchase_record(order=order)
    return order


def order_apply_refund(
    *, order_id: int, lines: Sequence[tuple[int, int, int]], shipping_fen: int = 0, refund_key: str = ""
) -> Order:
    """Record a refund that the gateway has paid out (payments calls this only).

    `lines` is [(line_id, quantity, amount_fen)]; a line's amounts never add up to more than its
    paid amount P. Refunded units that were not shipped go back to stock; a fulfilment whose lines
    are all refunded before shipping is cancelled; an order refunded in full is closed. The points
    spent on the refunded units go back to the buyer (docs/specs/campaigns.md §4, by `unit_share`
    on the line's points, units taken from the end) as one history row keyed by `refund_key`.
    """
    if shipping_fen < 0:
        raise InvalidInput("shipping_fen must not be negative.")
    with transaction.atomic():
        order = lock_order(order_id)
        if order.status in (Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED):
            raise Conflict("The order was never paid.", code="order_not_paid", detail={"status": order.status})
        by_id = {line.pk: line for line in OrderLine.objects.select_related("fulfilment").filter(order=order)}
        total = shipping_fen
        points_back = 0
        for line_id, quantity, amount_fen in sorted(lines):
            line = by_id.get(line_id)
            if line is None:
                raise InvalidInput("The line is not part of this order.", detail={"line_id": line_id})
            if quantity < 0 or amount_fen < 0 or (quantity == 0 and amount_fen == 0):
                raise InvalidInput("Refund quantity and amount must be positive.", detail={"line_id": line_id})
            changed = OrderLine.objects.filter(
                pk=line_id,
                refunded_quantity__lte=line.quantity - quantity,
                refunded_fen__lte=line.paid_fen - amount_fen,
            ).update(refunded_quantity=F("refunded_quantity") + quantity, refunded_fen=F("refunded_fen") + amount_fen)
            if changed != 1:
                raise Conflict(
                    "That is more than is left to refund.", code="refund_exceeds", detail={"line_id": line_id}
                )
            points_back += line.share_of(line.points_used) - line.share_of(
                line.points_used, line.remaining_quantity - quantity)
            line.refunded_quantity += quantity
            line.refunded_fen += amount_fen
            total += amount_fen
            if quantity and line.fulfilment.status in UNSHIPPED:
                # never left the supplier's shelf: the units can be sold again (a group buy's or a
                # flash sale's unit too: it goes to the SKU, the activity's `sold` stays)
                sku_stock_release(sku_id=line.sku_id, quantity=quantity)
        changed = Order.objects.filter(pk=order.pk, refunded_fen__lte=F("total_fen") - total).update(
            refunded_fen=F("refunded_fen") + total
        )
        if changed != 1:
            raise Conflict("That is more than was paid.", code="refund_exceeds")
        order.refunded_fen += total
        if points_back:
            key = refund_key or f"q{sum(line.refunded_quantity for line in by_id.values())}"
            points_return(buyer=order.buyer, merchant=order.merchant, points=points_back,
                          key=f"order:{order.pk}:points:refund:{key}")

        lines_by_fulfilment: dict[int, list[OrderLine]] = {}
        for line in by_id.values():
            lines_by_fulfilment.setdefault(line.fulfilment_id, []).append(line)
        fully_refunded = [
            fid
            for fid, group in lines_by_fulfilment.items()
            if all(line.refunded_quantity == line.quantity for line in group)
        ]
        if fully_refunded:
            Fulfilment.objects.filter(
                pk__in=fully_refunded,
                status__in=UNSHIPPED,
            ).update(status=Fulfilment.Status.CANCELLED)
        if all(line.refunded_quantity == line.quantity for line in by_id.values()):
            if Order.objects.filter(pk=order.pk).exclude(status=Order.Status.CLOSED).update(status=Order.Status.CLOSED):
                order.status = Order.Status.CLOSED
        else:
            sync_order_status(order)
        purchase_refund(order=order)
    return order
