"""Drop-ship fulfilment: the supplier ships its part, the buyer (or the clock) confirms receipt."""

import re
from datetime import timedelta

from django.db import transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_owner, require_role, require_tenant
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput
from linkmall.core.tasks import enqueue_after
from linkmall.orders.models import Fulfilment, FulfilmentMode, Order
from linkmall.orders.services._common import AUTO_RECEIVE_DAYS_DEFAULT, lock_order, setting, sync_order_status

#: carriers a supplier may choose when shipping (code → name shown in the console)
CARRIERS = {
    "SF": "顺丰速运",
    "YTO": "圆通速递",
    "ZTO": "中通快递",
    "STO": "申通快递",
    "YD": "韵达快递",
    "JTSD": "极兔速递",
    "EMS": "中国邮政 EMS",
    "JD": "京东物流",
    "DBL": "德邦快递",
}
_TRACKING_RE = re.compile(r"^[A-Za-z0-9-]{6,40}$")


def fulfilment_ship(*, actor: User, fulfilment: Fulfilment, carrier: str, tracking_number: str) -> Fulfilment:
    """The supplier's staff hand the parcel to a carrier. When every live part of the order is
    shipped, the order is shipped; receipt is confirmed automatically after AUTO_RECEIVE_DAYS."""
    from linkmall.orders.tasks import fulfilment_auto_receive_task

    require_role(actor, Role.SUPPLIER_STAFF, Role.PLATFORM)
    require_tenant(actor, fulfilment.supplier_id, what="fulfilment")
    if carrier not in CARRIERS:
        raise InvalidInput("Unknown carrier.", detail={"field": "carrier", "choices": sorted(CARRIERS)})
    tracking_number = (tracking_number or "").strip()
    if not _TRACKING_RE.match(tracking_number):
        raise InvalidInput(
            "The tracking number is 6 to 40 letters, digits or dashes.", detail={"field": "tracking_number"}
        )
    now = clock.now()
    with transaction.atomic():
        order = lock_order(fulfilment.order_id)
        changed = Fulfilment.objects.filter(pk=fulfilment.pk, status=Fulfilment.Status.TO_SHIP).update(
            status=Fulfilment.Status.SHIPPED, carrier=carrier, tracking_number=tracking_number, shipped_at=now
        )
        if changed != 1:
            current = Fulfilment.objects.values_list("status", flat=True).get(pk=fulfilment.pk)
            raise Conflict(
                "Only a paid part that is waiting to ship can be shipped.",
                code="not_shippable",
                detail={"status": current},
            )
        sync_order_status(order)
        # a pick-up order is received when the buyer collects it in the store (docs/o2o.md)
        if order.fulfilment_mode != FulfilmentMode.PICKUP:
            days = setting("AUTO_RECEIVE_DAYS", AUTO_RECEIVE_DAYS_DEFAULT)
            enqueue_after(fulfilment_auto_receive_task, now + timedelta(days=days), fulfilment.pk)
    fulfilment.status = Fulfilment.Status.SHIPPED
    fulfilment.carrier, fulfilment.tracking_number, fulfilment.shipped_at = carrier, tracking_number, now
    return fulfilment


def order_confirm_receipt(*, actor: User, order: Order) -> Order:
    """The buyer confirms that the shipped parcels arrived."""
    require_owner(actor, order.buyer_id, what="order")
    now = clock.now()
    with transaction.atomic():
        locked = lock_order(order.pk)
        if locked.fulfilment_mode == FulfilmentMode.PICKUP:
            # collected in the store with the pick-up code (核销), never confirmed from home
            raise Conflict("A pick-up order is received in the store.", code="not_receivable",
                           detail={"status": locked.status})
        if locked.status not in (Order.Status.PAID, Order.Status.SHIPPED):
            raise Conflict(
                "This order has nothing to receive.", code="not_receivable", detail={"status": locked.status}
            )
        changed = Fulfilment.objects.filter(order=locked, status=Fulfilment.Status.SHIPPED).update(
            status=Fulfilment.Status.RECEIVED, received_at=now, received_by="buyer"
        )
        if changed == 0:
            raise Conflict("Nothing has been shipped yet.", code="nothing_shipped")
        sync_order_status(locked)
    return locked


def fulfilment_auto_receive(*, fulfilment_id: int) -> bool:
    """Mark a shipped part received once AUTO_RECEIVE_DAYS have passed. True if this call did."""
    order_id = Fulfilment.objects.filter(pk=fulfilment_id).values_list("order_id", flat=True).first()
    if order_id is None:
        return False
    days = setting("AUTO_RECEIVE_DAYS", AUTO_RECEIVE_DAYS_DEFAULT)
    now = clock.now()
    with transaction.atomic():
        order = lock_order(order_id)
        changed = Fulfilment.objects.filter(
            pk=fulfilment_id, status=Fulfilment.Status.SHIPPED, shipped_at__lte=now - timedelta(days=days)
        ).update(status=Fulfilment.Status.RECEIVED, received_at=now, received_by="auto")
        if changed != 1:
            return False
        sync_order_status(order)
    return True
