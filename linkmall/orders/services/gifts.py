"""Gift orders (赠品订单): an invite-tier prize shipped like any order, at P = 0.

Checkout refuses an order with nothing to pay (`order_not_payable`), since no gateway takes 0.00.
A gift is therefore placed *and* marked paid here, without a payment: one line of one unit of a
listing of the merchant, with A = 0 (the gift replaces the price, funded by `funder`), stock taken
like any order, a fulfilment for the supplier to ship. Its money is the settlement's
(`referral.settlement`: the supplier is owed C, the funder pays it; docs/specs/campaigns.md §2).
"""

from django.db import IntegrityError, transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.models import Funder
from linkmall.catalog.services import sku_stock_reserve_many
from linkmall.core import clock
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.customers.models import Address
from linkmall.orders.models import Fulfilment, Order, OrderLine
from linkmall.orders.services.cart import _check_buyable
from linkmall.orders.services.placing import _check_token, _existing_order, _spec_text, order_number_new
from linkmall.stores.models import Listing, Merchant


def order_gift_place(*, buyer: User, merchant: Merchant, listing_id: int, address: Address, funder: str,
                     client_token: str) -> Order:
    """Place a paid gift order of one unit of `listing_id` for `buyer`, shipped to `address`.

    Idempotent by `client_token` (unique per buyer, like checkout's). Refused like checkout: a
    listing of another merchant or none (`not_found`), one not on sale (`not_available`), no stock
    (`out_of_stock`); then nothing changes. The caller books its money (`settlement.order_paid`).
    """
    require_role(buyer, Role.CONSUMER)
    client_token = _check_token(client_token)
    if funder not in Funder.values:
        raise InvalidInput("Unknown funder.", detail={"field": "funder"})
    if address is None or address.user_id != buyer.pk:
        raise NotFound("No such address.")
    existing = _existing_order(buyer, client_token, merchant)
    if existing is not None:
        return existing
    try:
        return _place_gift(buyer=buyer, merchant=merchant, listing_id=listing_id, address=address, funder=funder,
                           client_token=client_token)
    except IntegrityError:
        existing = _existing_order(buyer, client_token, merchant)
        if existing is None:
            raise
        return existing


def _place_gift(*, buyer: User, merchant: Merchant, listing_id: int, address: Address, funder: str,
                client_token: str) -> Order:
    now = clock.now()
    with transaction.atomic():
        listing = (Listing.objects.select_related("sku", "product")
                   .filter(pk=listing_id, merchant=merchant).first())
        if listing is None:
            raise NotFound("No such listing.", detail={"listing_ids": [listing_id]})
        _check_buyable(listing)
        sku_stock_reserve_many(quantities={listing.sku_id: 1})
        price = listing.price_fen
        order = Order.objects.create(
            number=order_number_new(), kind=Order.Kind.GIFT, buyer=buyer, merchant=merchant,
            status=Order.Status.PAID, client_token=client_token, address=address.snapshot(),
            list_fen=price, discount_fen=price, goods_fen=0, shipping_fen=0, total_fen=0,
            placed_at=now, expires_at=now, paid_at=now,
        )
        fulfilment = Fulfilment.objects.create(order=order, supplier_id=listing.sku.supplier_id,
                                               status=Fulfilment.Status.TO_SHIP)
        OrderLine.objects.create(
            order=order, fulfilment=fulfilment, listing=listing, sku=listing.sku, product=listing.product,
            supplier_id=listing.sku.supplier_id, product_name=listing.product.name,
            spec_text=_spec_text(listing.sku.spec), unit_price_fen=price, unit_cost_fen=listing.sku.cost_fen,
            unit_pool_fen=0, quantity=1, list_fen=price, activity_fen=0, activity_funder=funder, activity_kind="gift", paid_fen=0,
        )
    return order
