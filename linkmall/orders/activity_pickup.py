"""到店自提 for activity orders (秒杀, 拼团, 砍价): what the activities pass to `order_place` when
the buyer collects the purchase at one of the merchant's stores (docs/o2o.md, "Activity orders")."""

from typing import TypedDict

from linkmall.orders.models import FulfilmentMode
from linkmall.orders.services.pickup import pickup_store_check
from linkmall.stores.models import Merchant, Store


class Fulfilment(TypedDict):
    fulfilment_mode: str
    pickup_store: Store | None


def activity_fulfilment(*, merchant: Merchant, pickup_store: Store | None) -> Fulfilment:
    """`order_place`'s fulfilment arguments: delivery without a store; pick-up at `pickup_store`
    when given, checked as checkout checks it (another merchant's or a closed store:
    `pickup_store_not_found`, 404) before the activity takes a unit, a seat or the bargain."""
    if pickup_store is None:
        return {"fulfilment_mode": FulfilmentMode.DELIVERY, "pickup_store": None}
    return {"fulfilment_mode": FulfilmentMode.PICKUP,
            "pickup_store": pickup_store_check(merchant=merchant, store=pickup_store)}
