"""A buyer's attempt at a flash sale (秒杀) on the database path: admission and checkout in one
transaction, so a refusal — by the sale, the buyer's limit or checkout itself — changes nothing.

The guarded UPDATE in `campaigns.services.flash.flash_take` is the admission; the order is placed
through the normal checkout (`order_place` with the sale's `ActivityLine`), with the sale's short
payment window.

With settings.REDIS_URL, `flash_enter` decides admission in Redis instead (`campaigns.services.
flash_redis`: one script per attempt) and answers with a ticket; the worker (`orders.flash_worker`)
runs this same transaction for each admitted buyer with a `client_token` derived from the ticket
(`queued_token`), so a replay finds the order, and `flash_ticket` tells the buyer when it exists.

A purchase may be a pick-up (到店自提, docs/o2o.md) at one of the merchant's open stores
(`pickup_store`): the order is placed with `fulfilment_mode="pickup"`, the address is optional
(its name and phone only), and on the Redis path the stream entry carries the store's id.
"""

import re

from django.db import IntegrityError, connection, transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.models import FlashSale
from linkmall.campaigns.services import flash_redis
from linkmall.campaigns.services.flash import MAX_PER_USER, flash_entry_record, flash_take
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.customers.models import Address
from linkmall.customers.selectors import address_get
from linkmall.orders.activity_pickup import activity_fulfilment
from linkmall.orders.models import Order
from linkmall.orders.services.placing import _check_token, _existing_order, order_place
from linkmall.stores.models import Store

#: a ticket is the id of the admitted buyer's stream entry
TICKET = re.compile(r"\d{1,15}-\d{1,9}")


def flash_attempt(*, buyer: User, sale_id: int, address: Address | None, client_token: str, quantity: int = 1,
                  admitted: bool = False, pickup_store: Store | None = None) -> Order:
    """Try to buy `quantity` units of a flash sale: the unpaid order, or the refusal's code
    (`flash_not_started`, `flash_ended`, `flash_paused`, `flash_sold_out`, `flash_limit_reached`,
    or checkout's own). A retry with the same `client_token` returns the first order.
    `admitted`: the worker writing the order of a buyer Redis admitted (see `flash_take`).
    `pickup_store`: a pick-up order at that store of the sale's merchant (another merchant's or a
    closed one: `pickup_store_not_found`, nothing taken); `address` is then optional."""
    require_role(buyer, Role.CONSUMER)
    client_token = _check_token(client_token)
    sale = FlashSale.objects.select_related("merchant").filter(pk=sale_id).first() if isinstance(sale_id, int) else None
    if sale is None:
        raise NotFound("No such flash sale.")
    existing = _existing_order(buyer, client_token, sale.merchant)
    if existing is not None:
        return existing
    mode = activity_fulfilment(merchant=sale.merchant, pickup_store=pickup_store)
    try:
        with transaction.atomic():
            activity = flash_take(buyer=buyer, sale_id=sale.pk, quantity=quantity, admitted=admitted)
            order = order_place(buyer=buyer, merchant=sale.merchant, lines=[(activity.listing_id, quantity)],
                                address=address, client_token=client_token, activity=activity, **mode)
            flash_entry_record(buyer=buyer, sale_id=sale.pk, quantity=quantity, order_id=order.pk)
    except IntegrityError:
        # a concurrent retry with the same token committed first; ours rolled back whole
        existing = _existing_order(buyer, client_token, sale.merchant)
        if existing is None:
            raise
        return existing
    return order


def queued_token(ticket: str) -> str:
    """The order's client_token for an admitted buyer's ticket: the worker's replay finds the order."""
    return f"flash:q:{ticket}"


def _own_address(user_id: int, address_id: int) -> bool:
    """Whether the address is the user's: one indexed lookup in plain SQL (the hot path of a sale)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {Address._meta.db_table} WHERE id = %s AND user_id = %s",  # noqa: S608
                       [address_id, user_id])
        return cursor.fetchone() is not None


def flash_enter(*, buyer: User, sale_id: int, address_id: int | None, client_token: str,
                quantity: int = 1, pickup_store: Store | None = None) -> Order | flash_redis.Admission:
    """A buyer's attempt by whichever path runs: without Redis, `flash_attempt` (the order); with
    it, admission in Redis (the ticket; the worker writes the order), refused with the same codes.
    A retry with the same `client_token` returns the first order, or the first ticket. Someone
    else's address is not found. `pickup_store`: a pick-up order there (`address_id` optional;
    another merchant's or a closed store is `pickup_store_not_found`, nothing admitted); on the
    Redis path the stream entry carries its id and the worker places the order the same way.

    The Redis path does the least it can (the buyer was authenticated by the caller): one script
    for a refused attempt; for one it would admit, the address (and store) check and the script
    again."""
    if not flash_redis.enabled():
        address = None if address_id is None else address_get(user=buyer, address_id=address_id)
        return flash_attempt(buyer=buyer, sale_id=sale_id, address=address, client_token=client_token,
                             quantity=quantity, pickup_store=pickup_store)
    require_role(buyer, Role.CONSUMER)
    token = _check_token(client_token)
    if isinstance(sale_id, bool) or not isinstance(sale_id, int) or not 1 <= sale_id < 2**63:
        raise NotFound("No such flash sale.")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_PER_USER:
        raise InvalidInput("Quantity must be a positive whole number.", detail={"field": "quantity"})
    if address_id is None and pickup_store is None:
        raise NotFound("No such address.")  # a delivery needs one (as order_place answers)
    if address_id is not None and (isinstance(address_id, bool) or not isinstance(address_id, int)
                                   or not 1 <= address_id < 2**63):
        raise NotFound("No such address.")

    def check_address() -> None:
        if address_id is not None and not _own_address(buyer.pk, address_id):
            raise NotFound("No such address.")
        if pickup_store is not None and not (
                pickup_store.is_active
                and FlashSale.objects.filter(pk=sale_id, merchant_id=pickup_store.merchant_id).exists()):
            raise NotFound("No such store.", code="pickup_store_not_found")

    return flash_redis.flash_admit(buyer_id=buyer.pk, sale_id=sale_id, quantity=quantity,
                                   address_id=address_id or 0, token=token, now=clock.now(),
                                   before_admitting=check_address,
                                   pickup_store_id=pickup_store.pk if pickup_store is not None else 0)


def flash_ticket(*, buyer: User, sale_id: int, ticket: str) -> Order | None:
    """The order of an admitted buyer's ticket once the worker wrote it; None while it is being
    written. `NotFound` for a ticket that is not the buyer's, the refusal's `Conflict` in the rare
    case the database refused the admission (the unit went back on sale)."""
    if not isinstance(ticket, str) or not TICKET.fullmatch(ticket):
        raise NotFound("No such ticket.")
    token = queued_token(ticket)
    order = Order.objects.filter(buyer=buyer, client_token=token).first()
    if order is not None or not flash_redis.enabled():
        if order is None:
            raise NotFound("No such ticket.")
        return order
    entry = flash_redis.entry_of(ticket)
    if entry is not None and entry.user_id == buyer.pk and entry.sale_id == sale_id:
        return None
    refused = flash_redis.refused(ticket)
    if refused is not None and refused[1:] == (buyer.pk, sale_id):
        raise Conflict("The admission could not be written.", code=refused[0], detail={"sale_id": sale_id})
    # written (and acked) between the first look and the stream's
    order = Order.objects.filter(buyer=buyer, client_token=token).first()
    if order is None:
        raise NotFound("No such ticket.")
    return order
