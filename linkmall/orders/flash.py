"""A buyer's attempt at a flash sale (秒杀) on the database path: admission and checkout in one
transaction, so a refusal — by the sale, the buyer's limit or checkout itself — changes nothing.

The guarded UPDATE in `campaigns.services.flash.flash_take` is the admission; the order is placed
through the normal checkout (`order_place` with the sale's `ActivityLine`), with the sale's short
payment window. A Redis path would decide admission in Redis first (one script per attempt) and
have its worker run this same transaction for each admitted buyer, where `flash_take` then
never refuses.
"""

from django.db import IntegrityError, transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.models import FlashSale
from linkmall.campaigns.services.flash import flash_entry_record, flash_take
from linkmall.core.errors import NotFound
from linkmall.customers.models import Address
from linkmall.orders.models import Order
from linkmall.orders.services.placing import _check_token, _existing_order, order_place


def flash_attempt(*, buyer: User, sale_id: int, address: Address, client_token: str, quantity: int = 1) -> Order:
    """Try to buy `quantity` units of a flash sale: the unpaid order, or the refusal's code
    (`flash_not_started`, `flash_ended`, `flash_paused`, `flash_sold_out`, `flash_limit_reached`,
    or checkout's own). A retry with the same `client_token` returns the first order."""
    require_role(buyer, Role.CONSUMER)
    client_token = _check_token(client_token)
    sale = FlashSale.objects.select_related("merchant").filter(pk=sale_id).first() if isinstance(sale_id, int) else None
    if sale is None:
        raise NotFound("No such flash sale.")
    existing = _existing_order(buyer, client_token, sale.merchant)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            activity = flash_take(buyer=buyer, sale_id=sale.pk, quantity=quantity)
            order = order_place(buyer=buyer, merchant=sale.merchant, lines=[(activity.listing_id, quantity)],
                                address=address, client_token=client_token, activity=activity)
            flash_entry_record(buyer=buyer, sale_id=sale.pk, quantity=quantity, order_id=order.pk)
    except IntegrityError:
        # a concurrent retry with the same token committed first; ours rolled back whole
        existing = _existing_order(buyer, client_token, sale.merchant)
        if existing is None:
            raise
        return existing
    return order
