"""What each activity kind (OrderLine.activity_kind) does when its unpaid order is paid, or is
cancelled or expires. Lifecycle calls these by kind, so a new activity registers here only."""

from collections.abc import Callable, Iterable

from linkmall.campaigns.services.bargain import bargain_order_released
from linkmall.campaigns.services.flash import flash_order_paid, flash_order_released


def _bargain_paid(*, order_id: int) -> bool:
    return False  # the bargain was marked bought when the order was placed


#: kind → (on paid, on released: returns {sku_id: units} the activity took back itself)
HOOKS: dict[str, tuple[Callable[..., bool], Callable[..., dict[int, int]]]] = {
    "flash": (flash_order_paid, flash_order_released),
    "bargain": (_bargain_paid, bargain_order_released),
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
