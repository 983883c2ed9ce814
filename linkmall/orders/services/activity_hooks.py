"""What each activity kind (OrderLine.activity_kind) does when its unpaid order is paid, or is
cancelled or expires. Lifecycle calls these by kind, so a new activity registers here only."""

from collections.abc import Callable, Iterable

from linkmall.campaigns.services.bargain import bargain_order_released
from linkmall.campaigns.services.flash import flash_order_paid, flash_order_released
from linkmall.campaigns.services.group import GroupPaid, group_order_paid, group_order_released
from linkmall.orders.models import Fulfilment


def _bargain_paid(*, order_id: int) -> bool:
    return False  # the bargain was marked bought when the order was placed


def group_fulfilments_release(*, order_ids: Iterable[int]) -> int:
    """The group is complete: its paid members' fulfilments waiting for it (待成团) go to the
    supplier (待发货). One guarded UPDATE; a repeat moves nothing. No order lock is taken (a payment
    holding another member's order lock calls this), and a refund racing it serializes on the
    fulfilment rows: whichever comes second sees the other's status."""
    ids = sorted(set(order_ids))
    if not ids:
        return 0
    return Fulfilment.objects.filter(order_id__in=ids, status=Fulfilment.Status.AWAITING_GROUP).update(
        status=Fulfilment.Status.TO_SHIP)


def _group_paid(*, order_id: int) -> bool:
    """The paid hook of `activity_kind = "group"` (orders.services.activity_hooks), inside
    `order_mark_paid` with the order locked: the member is paid in campaigns; until the group is
    complete the order's fulfilment waits (awaiting_group), and the payment that completes the
    group lets every paid member's fulfilment ship."""
    result: GroupPaid | None = group_order_paid(order_id=order_id)
    if result is None:
        return False
    if result.complete:
        group_fulfilments_release(order_ids=result.release_order_ids)
    else:
        Fulfilment.objects.filter(order_id=order_id, status=Fulfilment.Status.TO_SHIP).update(
            status=Fulfilment.Status.AWAITING_GROUP)
    return True


#: kind → (on paid, on released: returns {sku_id: units} the activity took back itself)
HOOKS: dict[str, tuple[Callable[..., bool], Callable[..., dict[int, int]]]] = {
    "flash": (flash_order_paid, flash_order_released),
    "bargain": (_bargain_paid, bargain_order_released),
    # a paid member's fulfilment waits for the group (awaiting_group); see orders.group
    "group": (_group_paid, group_order_released),
}


def activities_paid(*, order_id: int, kinds: Iterable[str]) -> None:
    for kind in sorted(set(kinds)):
        if kind in HOOKS:
            HOOKS[kind][0](order_id=order_id)


def activities_released(*, order_id: int, kinds: Iterable[str]) -> dict[int, int]:
    """The units the order's activities took back into their own stock, by SKU."""
    taken: dict[int, int] = {}
    for kind in sorted(set(kinds)):
        if kind in HOOKS:
            for sku_id, quantity in HOOKS[kind][1](order_id=order_id).items():
                taken[sku_id] = taken.get(sku_id, 0) + quantity
    return taken
