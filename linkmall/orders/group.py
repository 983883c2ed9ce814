"""A buyer opens a group buy (拼团, as its leader) or joins an open group: the seat and the order in
one transaction, so a refusal — by the activity, the group, the buyer's limit or checkout itself —
changes nothing. A retry with the same `client_token` returns the first order. A seat may be a
pick-up (到店自提) at one of the merchant's open stores (`pickup_store`; the address is then
optional); its parcel waits for the group like any member's, and redemption refuses it until the
group is complete (`redeem_group_incomplete`).

Also what the group's deadline and completion need from orders: a paid member's fulfilment waits
(`awaiting_group`, 待成团) until the group is complete, then every paid member's goes to the
supplier at once (`group_fulfilments_release`); unpaid seats of a settled group are cancelled
(`group_orders_cancel_unpaid`). Money (refunds of a failed group) is payments' part
(`payments.group_refunds`).
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.models import GroupBuy, GroupBuyGroup
from linkmall.campaigns.services.group import group_member_record, group_seat_take
from linkmall.core.errors import NotFound
from linkmall.customers.models import Address
from linkmall.orders.activity_pickup import activity_fulfilment
from linkmall.orders.models import Order
from linkmall.orders.services._common import lock_order
from linkmall.orders.services.lifecycle import _cancel_unpaid
from linkmall.orders.services.placing import _check_token, _existing_order, order_place
from linkmall.stores.models import Merchant, Store


def _valid_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _attempt(*, buyer: User, merchant: Merchant, address: Address | None, client_token: str,
             activity_id: int | None, group_id: int | None, pickup_store: Store | None) -> Order:
    existing = _existing_order(buyer, client_token, merchant)
    if existing is not None:
        return existing
    mode = activity_fulfilment(merchant=merchant, pickup_store=pickup_store)
    try:
        with transaction.atomic():
            seat = group_seat_take(buyer=buyer, activity_id=activity_id, group_id=group_id)
            order = order_place(buyer=buyer, merchant=merchant, lines=[(seat.line.listing_id, 1)],
                                address=address, client_token=client_token, activity=seat.line, **mode)
            group_member_record(buyer=buyer, seat=seat, order_id=order.pk)
    except IntegrityError:
        # a concurrent retry with the same token committed first; ours rolled back whole
        existing = _existing_order(buyer, client_token, merchant)
        if existing is None:
            raise
        return existing
    return order


def group_open_attempt(*, buyer: User, activity_id: int, address: Address | None, client_token: str,
                       pickup_store: Store | None = None) -> Order:
    """Open a new group and hold its first seat (the leader's, at the leader's price): the unpaid
    order, or the refusal's code (`group_not_started`, `group_paused`, `group_ended`,
    `group_sold_out`, `group_limit_reached`, `pickup_store_not_found`, or checkout's own)."""
    require_role(buyer, Role.CONSUMER)
    client_token = _check_token(client_token)
    activity = (GroupBuy.objects.select_related("merchant").filter(pk=activity_id).first()
                if _valid_id(activity_id) else None)
    if activity is None:
        raise NotFound("No such group buy.")
    return _attempt(buyer=buyer, merchant=activity.merchant, address=address, client_token=client_token,
                    activity_id=activity.pk, group_id=None, pickup_store=pickup_store)


def group_join_attempt(*, buyer: User, group_id: int, address: Address | None, client_token: str,
                       pickup_store: Store | None = None) -> Order:
    """Take a seat in an open group (from a share link or a poster): the unpaid order, or the
    refusal's code (`group_full`, `group_failed`, `group_closed`, `group_already_member`,
    `group_limit_reached`, `group_sold_out`, `group_not_started`, `group_paused`, `group_ended`,
    `pickup_store_not_found`, or checkout's own)."""
    require_role(buyer, Role.CONSUMER)
    client_token = _check_token(client_token)
    group = (GroupBuyGroup.objects.select_related("activity__merchant").filter(pk=group_id).first()
             if _valid_id(group_id) else None)
    if group is None:
        raise NotFound("No such group.")
    return _attempt(buyer=buyer, merchant=group.activity.merchant, address=address, client_token=client_token,
                    activity_id=None, group_id=group.pk, pickup_store=pickup_store)


def group_orders_cancel_unpaid(*, order_ids: Iterable[int]) -> int:
    """Cancel the unpaid orders of a settled group's seats (each under its own lock, in its own
    transaction; an order paid or cancelled meanwhile is left alone). Returns how many this call
    cancelled."""
    cancelled = 0
    for order_id in sorted(set(order_ids)):
        with transaction.atomic():
            try:
                order = lock_order(order_id)
            except NotFound:
                continue
            if order.status == Order.Status.PENDING_PAYMENT and _cancel_unpaid(order):
                cancelled += 1
    return cancelled
