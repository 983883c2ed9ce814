"""Order services (writes). Import from here: `from linkmall.orders.services import order_place`."""

from linkmall.orders.services.cart import cart_add, cart_remove, cart_set_quantity
from linkmall.orders.services.fulfilment import (
    CARRIERS,
    fulfilment_auto_receive,
    fulfilment_ship,
    order_confirm_receipt,
)
from linkmall.orders.services.gifts import order_gift_place
from linkmall.orders.services.lifecycle import order_apply_refund, order_cancel, order_expire, order_mark_paid
from linkmall.orders.services.placing import order_place, order_place_from_cart

__all__ = [
    "CARRIERS",
    "cart_add",
    "cart_remove",
    "cart_set_quantity",
    "fulfilment_auto_receive",
    "fulfilment_ship",
    "order_apply_refund",
    "order_cancel",
    "order_confirm_receipt",
    "order_expire",
    "order_gift_place",
    "order_mark_paid",
    "order_place",
    "order_place_from_cart",
]
