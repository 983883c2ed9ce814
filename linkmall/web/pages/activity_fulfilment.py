"""快递配送 or 到店自提 on the activity pages (秒杀 hall, 拼团 activity and group, 砍价): the stores
the buy / open / join form offers (`pickup_choices`, the merchant's open stores by name) and the
store the buyer chose (`chosen_pickup_store`). The form is `web/_fulfilment_choice.html`: radio
buttons and a store list, no script. See docs/o2o.md, "Activity orders"."""

from django.http import HttpRequest

from linkmall.core.errors import NotFound
from linkmall.stores import selectors as store_selectors
from linkmall.stores.models import Store
from linkmall.stores.selectors.shop import PickupStore


def pickup_choices(merchant_id: int) -> list[PickupStore]:
    """The merchant's open stores a buyer may collect an activity order at (none: no choice shown)."""
    return store_selectors.pickup_stores(merchant_id=merchant_id)


def chosen_pickup_store(request: HttpRequest, merchant_id: int) -> Store | None:
    """None for a delivery; for 到店自提 the chosen open store of this merchant, else
    `pickup_store_not_found` (the service checks it again under its transaction)."""
    if request.POST.get("fulfilment_mode") != "pickup":
        return None
    raw = (request.POST.get("pickup_store") or "").strip()
    store_id = int(raw) if raw.isdigit() and len(raw) <= 10 else 0
    store = (Store.objects.filter(pk=store_id, merchant_id=merchant_id, is_active=True).first()
             if 0 < store_id < 2**31 else None)
    if store is None:
        raise NotFound("No such store.", code="pickup_store_not_found")
    return store
