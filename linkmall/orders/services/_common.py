"""Helpers shared by the order services: the one lock order of this app, and status bookkeeping."""

from datetime import datetime

from linkmall.core import clock
from linkmall.core.conf import linkmall_int
from linkmall.core.errors import NotFound
from linkmall.core.locking import lock_one
from linkmall.orders.models import Fulfilment, Order

PAYMENT_TIMEOUT_MINUTES_DEFAULT = 15
AUTO_RECEIVE_DAYS_DEFAULT = 10


def setting(name: str, default: int) -> int:
    return linkmall_int(name, default)


def lock_order(order_id: int) -> Order:
    """Lock one order row. Every write to an order, its fulfilments or its lines takes this lock
    first, so payment, expiry, cancel, shipping and refunds of one order run one after another."""
    try:
        return lock_one(Order.objects.all(), order_id)
    except Order.DoesNotExist:
        raise NotFound("No such order.") from None


def sync_order_status(order: Order) -> Order:
    """After a fulfilment changed: move a paid order on to shipped / completed, or close it once
    every line is refunded. Only forward moves; the caller holds the order lock."""
    if order.status not in (Order.Status.PAID, Order.Status.SHIPPED):
        return order
    statuses = list(order.fulfilments.values_list("status", flat=True))
    live = [s for s in statuses if s != Fulfilment.Status.CANCELLED]
    now = clock.now()
    new_status = order.status
    changes: dict[str, datetime] = {}
    if not live:
        # every fulfilment was cancelled by refunds: nothing left to deliver
        new_status = Order.Status.CLOSED
    elif all(s == Fulfilment.Status.RECEIVED for s in live):
        new_status = Order.Status.COMPLETED
        changes["completed_at"] = now
    elif all(s in (Fulfilment.Status.SHIPPED, Fulfilment.Status.RECEIVED) for s in live):
        new_status = Order.Status.SHIPPED
    if new_status != order.status:
        changed = Order.objects.filter(pk=order.pk, status=order.status).update(status=new_status, **changes)
        if changed == 1:
            order.status = new_status
            for name, value in changes.items():
                setattr(order, name, value)
    return order
