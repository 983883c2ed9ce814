"""A buyer buys with their bargain (砍价): at its current price, through the normal checkout, in one
transaction with marking the bargain bought — a refusal by the bargain or by checkout changes
nothing. The line takes normal SKU stock (a bargain holds none of its own). The buyer may collect it
in one of the merchant's open stores (到店自提, `pickup_store`; the address is then optional)."""

from django.db import IntegrityError, transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.models import Bargain
from linkmall.campaigns.services.bargain import bargain_bought, bargain_take
from linkmall.core.errors import NotFound
from linkmall.customers.models import Address
from linkmall.orders.activity_pickup import activity_fulfilment
from linkmall.orders.models import Order
from linkmall.orders.services.placing import _check_token, _existing_order, order_place
from linkmall.stores.models import Store


def bargain_buy(*, buyer: User, bargain_id: int, address: Address | None, client_token: str,
                pickup_store: Store | None = None) -> Order:
    """Buy one unit at the bargain's current price (the floor once every friend helped): the unpaid
    order, or the refusal's code (`bargain_expired`, `bargain_complete`, `bargain_closed`,
    `pickup_store_not_found`, or checkout's own). A retry with the same `client_token` returns the
    first order. `pickup_store`: a pick-up order at that store of the activity's merchant."""
    require_role(buyer, Role.CONSUMER)
    client_token = _check_token(client_token)
    bargain = (Bargain.objects.select_related("activity__merchant").filter(pk=bargain_id, buyer=buyer).first()
               if isinstance(bargain_id, int) and not isinstance(bargain_id, bool) else None)
    if bargain is None:
        raise NotFound("No such bargain.")
    merchant = bargain.activity.merchant
    existing = _existing_order(buyer, client_token, merchant)
    if existing is not None:
        return existing
    mode = activity_fulfilment(merchant=merchant, pickup_store=pickup_store)
    try:
        with transaction.atomic():
            activity = bargain_take(buyer=buyer, bargain_id=bargain.pk)
            order = order_place(buyer=buyer, merchant=merchant, lines=[(activity.listing_id, 1)],
                                address=address, client_token=client_token, activity=activity, **mode)
            bargain_bought(bargain_id=bargain.pk, order_id=order.pk)
    except IntegrityError:
        existing = _existing_order(buyer, client_token, merchant)
        if existing is None:
            raise
        return existing
    return order
