"""到店自提 (store pick-up): the supplier ships to the store, the store receives the parcel, the
buyer collects it with a code. Redemption itself (核销) is orchestrated in
`aftersales.services.redemption`, which may also read after-sales requests; see docs/o2o.md."""

import logging
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.core import clock
from linkmall.core.errors import Conflict, NotFound
from linkmall.core.tasks import enqueue_after
from linkmall.customers.models import Address
from linkmall.orders.models import Fulfilment, FulfilmentMode, Order
from linkmall.orders.services._common import lock_order, setting, sync_order_status
from linkmall.stores.models import Guide, Merchant, Store

logger = logging.getLogger("linkmall.pickup")

PICKUP_CODE_DIGITS = 8
#: statuses in which a pick-up code is live (the partial unique constraint's condition)
OPEN_STATUSES = (Order.Status.PENDING_PAYMENT, Order.Status.PAID, Order.Status.SHIPPED)
PICKUP_REMIND_DAYS_DEFAULT = 2
PICKUP_REFUND_DAYS_DEFAULT = 7
_CODE_TRIES = 20


def pickup_code_new() -> str:
    return f"{secrets.randbelow(10**PICKUP_CODE_DIGITS):0{PICKUP_CODE_DIGITS}d}"


def pickup_code_assign(order: Order) -> str:
    """Give a just-placed pick-up order a code no other open order holds. Each try runs in a
    savepoint, so a collision (the partial unique index) only costs another draw."""
    for _ in range(_CODE_TRIES):
        code = pickup_code_new()
        try:
            with transaction.atomic():
                Order.objects.filter(pk=order.pk).update(pickup_code=code)
        except IntegrityError:
            continue
        order.pickup_code = code
        return code
    raise Conflict("No free pick-up code; try again.", code="pickup_code_exhausted")  # pragma: no cover


def pickup_address(*, store: Store, buyer: User, address: Address | None) -> dict[str, object]:
    """The order's address for a pick-up order: the store's address with the buyer's name and phone."""
    name = address.recipient if address is not None else (buyer.display_name or buyer.username)
    phone = address.phone if address is not None else (buyer.phone or "")
    return {
        "recipient": name, "phone": phone, "province": "", "city": store.city, "district": "",
        "detail": store.address, "pickup_store_id": store.pk, "pickup_store": store.name,
        "store_phone": store.phone, "opening_hours": store.opening_hours,
    }


def pickup_store_check(*, merchant: Merchant, store: Store | None) -> Store:
    if store is None or store.merchant_id != merchant.pk or not store.is_active:
        raise NotFound("No such store.", code="pickup_store_not_found")
    return store


def store_redeemer(actor: User, store: Store) -> None:
    """Who may act for a store: a guide of that store, or the owner of its merchant. There is no
    separate store-staff role; the guides are the store's staff."""
    require_role(actor, Role.GUIDE, Role.MERCHANT_OWNER)
    if actor.role == Role.GUIDE:
        guide = Guide.objects.filter(user=actor, is_active=True).only("store_id").first()
        if guide is None or guide.store_id != store.pk:
            raise Conflict("This code belongs to another store.", code="redeem_wrong_store")
    elif actor.tenant_id != store.merchant_id:
        raise Conflict("This code belongs to another store.", code="redeem_wrong_store")


def order_pickup_arrived(*, actor: User, order_id: int) -> tuple[Order, bool]:
    """The store received the supplier's parcel: the order is ready for pick-up (待自提), and the
    buyer is reminded after PICKUP_REMIND_DAYS. (order, True) when this call did it; a repeat
    changes nothing. The refund of an order nobody collects is scheduled by the caller
    (`aftersales.services.redemption.pickup_parcel_received`), since it moves money."""
    from linkmall.orders.tasks import pickup_remind_task

    with transaction.atomic():
        order = lock_order(order_id)
        if order.fulfilment_mode != FulfilmentMode.PICKUP or order.pickup_store is None:
            raise NotFound("No such order.")
        store_redeemer(actor, order.pickup_store)
        if order.store_received_at is not None:
            return order, False
        statuses = [s for s in order.fulfilments.values_list("status", flat=True) if s != Fulfilment.Status.CANCELLED]
        if order.status != Order.Status.SHIPPED or not statuses or any(
                s != Fulfilment.Status.SHIPPED for s in statuses):
            raise Conflict("The supplier has not shipped every parcel yet.", code="pickup_not_shipped",
                           detail={"status": order.status})
        now = clock.now()
        Order.objects.filter(pk=order.pk).update(store_received_at=now)
        order.store_received_at = now
        remind_days = setting("PICKUP_REMIND_DAYS", PICKUP_REMIND_DAYS_DEFAULT)
        enqueue_after(pickup_remind_task, now + timedelta(days=remind_days), order.pk)
    return order, True


def order_pickup_remind(*, order_id: int) -> bool:
    """Stamp the reminder on a ready pick-up order nobody collected; True when this call did."""
    changed = Order.objects.filter(
        pk=order_id, fulfilment_mode=FulfilmentMode.PICKUP, status=Order.Status.SHIPPED,
        store_received_at__isnull=False, picked_up_at__isnull=True, pickup_reminded_at__isnull=True,
    ).update(pickup_reminded_at=clock.now())
    if changed:
        logger.info("pick-up reminder for order %s", order_id)
    return bool(changed)


def order_pickup_complete(*, order_id: int) -> Order:
    """The buyer collected the order in the store: every shipped part is received (by "pickup")
    and the order completes through the normal receipt path, so settlement follows. The caller
    (the redemption service) has checked who redeems and holds the order lock or takes it here."""
    now = clock.now()
    with transaction.atomic():
        order = lock_order(order_id)
        if order.picked_up_at is not None:
            return order
        changed = Fulfilment.objects.filter(order=order, status=Fulfilment.Status.SHIPPED).update(
            status=Fulfilment.Status.RECEIVED, received_at=now, received_by="pickup")
        if changed == 0:
            raise Conflict("Nothing is waiting in the store.", code="redeem_not_ready")
        Order.objects.filter(pk=order.pk).update(picked_up_at=now)
        order.picked_up_at = now
        sync_order_status(order)
    return order
