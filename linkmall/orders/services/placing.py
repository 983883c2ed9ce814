"""Checkout: turn a buyer's chosen listings of one merchant into an order that holds its stock."""

import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from django.db import IntegrityError, transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.activities import ActivityLine
from linkmall.campaigns.services import coupon_use, points_spend
from linkmall.catalog.services import sku_stock_reserve_many
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.core.tasks import enqueue_after
from linkmall.customers.early_access import require_may_buy
from linkmall.customers.models import Address
from linkmall.orders.models import CartLine, Fulfilment, FulfilmentMode, Order, OrderLine
from linkmall.orders.quotes import line_in, order_quote
from linkmall.orders.services._common import PAYMENT_TIMEOUT_MINUTES_DEFAULT, setting
from linkmall.orders.services.cart import MAX_QUANTITY, _check_buyable
from linkmall.orders.services.pickup import pickup_address, pickup_code_assign, pickup_store_check
from linkmall.stores.models import Guide, Listing, Merchant, Store

MAX_LINES_PER_ORDER = 50
MAX_NOTE_LENGTH = 200


def order_number_new() -> str:
    """A number people can read out on the phone: the date, then 10 random digits."""
    return clock.now().strftime("%Y%m%d") + f"{secrets.randbelow(10**10):010d}"


def check_lines(lines: object) -> dict[int, int]:
    """[(listing_id, quantity)] → {listing_id: total quantity}, or the refusal of a malformed list."""
    if not isinstance(lines, (list, tuple)) or not lines:
        raise InvalidInput("An order needs at least one line.", detail={"field": "lines"})
    if len(lines) > MAX_LINES_PER_ORDER:
        raise InvalidInput(f"At most {MAX_LINES_PER_ORDER} lines per order.", detail={"field": "lines"})
    wanted: dict[int, int] = {}
    for entry in lines:
        try:
            listing_id, quantity = entry
        except (TypeError, ValueError):
            raise InvalidInput("Each line is (listing_id, quantity).", detail={"field": "lines"}) from None
        if isinstance(listing_id, bool) or not isinstance(listing_id, int):
            raise InvalidInput("listing_id must be an integer.", detail={"field": "lines"})
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidInput(
                f"Quantity must be from 1 to {MAX_QUANTITY}.", detail={"field": "lines", "listing_id": listing_id}
            )
        wanted[listing_id] = wanted.get(listing_id, 0) + quantity
        if wanted[listing_id] > MAX_QUANTITY:
            raise InvalidInput(
                f"At most {MAX_QUANTITY} of one item.", detail={"field": "lines", "listing_id": listing_id}
            )
    return wanted


def _check_token(client_token: object) -> str:
    if not isinstance(client_token, str) or not 1 <= len(client_token.strip()) <= 64:
        raise InvalidInput("client_token must be 1 to 64 characters.", detail={"field": "client_token"})
    return client_token.strip()


def _existing_order(buyer: User, client_token: str, merchant: Merchant) -> Order | None:
    order = Order.objects.filter(buyer=buyer, client_token=client_token).first()
    if order is not None and order.merchant_id != merchant.pk:
        raise Conflict("This client_token was used for another order.", code="client_token_reused")
    return order


def _spec_text(spec: dict[str, object] | None) -> str:
    return " ".join(f"{name}:{value}" for name, value in (spec or {}).items())[:120]


def order_place(
    *,
    buyer: User,
    merchant: Merchant,
    lines: Sequence[tuple[int, int]],
    address: Address | None,
    client_token: str,
    store: Store | None = None,
    guide: Guide | None = None,
    note: str = "",
    coupon_id: int | None = None,
    points: int = 0,
    activity: ActivityLine | None = None,
    fulfilment_mode: str = FulfilmentMode.DELIVERY,
    pickup_store: Store | None = None,
) -> Order:
    """Place an order for `lines` [(listing_id, quantity)] of one merchant and hold its stock.

    A retry with the same `client_token` returns the first order and reserves nothing again. The
    stock of every line is taken in SKU-id order (so two checkouts never wait on each other in a
    cycle) inside one transaction: if any line is out of stock, nothing is reserved.

    Every line is priced step by step (docs/specs/campaigns.md §1: the best store promotion, the
    coupon `coupon_id`, `points`) and each step is stored on it; the coupon is used and the points
    spent in the same transaction, so a refusal (`coupon_used`, `points_insufficient` …) changes
    nothing.

    `activity` prices one line at an activity's unit price (§1 step 2; a flash sale the caller has
    already admitted the buyer to): a line whose units the activity holds in its own stock takes
    no SKU stock, and the order gets the activity's payment window.

    `fulfilment_mode="pickup"` (到店自提, docs/o2o.md) ships the order to `pickup_store`, one of the
    merchant's active stores: the order's address is the store's with the buyer's name and phone
    (from `address` when given), and the order gets an 8-digit pick-up code.
    """
    require_role(buyer, Role.CONSUMER)
    client_token = _check_token(client_token)
    wanted = check_lines(lines)
    if activity is not None and activity.listing_id not in wanted:
        raise InvalidInput("The activity's listing is not one of the lines.", detail={"field": "activity"})
    if fulfilment_mode not in FulfilmentMode.values:
        raise InvalidInput("Unknown fulfilment mode.", detail={"field": "fulfilment_mode",
                                                               "choices": list(FulfilmentMode.values)})
    if fulfilment_mode == FulfilmentMode.PICKUP:
        pickup_store = pickup_store_check(merchant=merchant, store=pickup_store)
    elif pickup_store is not None:
        raise InvalidInput("A pick-up store is only for pick-up orders.", detail={"field": "pickup_store_id"})
    if (address is None and fulfilment_mode == FulfilmentMode.DELIVERY) or (
            address is not None and address.user_id != buyer.pk):
        raise NotFound("No such address.")
    if store is not None and store.merchant_id != merchant.pk:
        raise NotFound("No such store.")
    if guide is not None and (guide.merchant_id != merchant.pk or not guide.is_active):
        raise NotFound("No such guide.")
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput("The note is too long.", detail={"field": "note", "max_length": MAX_NOTE_LENGTH})

    existing = _existing_order(buyer, client_token, merchant)
    if existing is not None:
        return existing
    try:
        return _place(
            buyer=buyer,
            merchant=merchant,
            wanted=wanted,
            address=address,
            client_token=client_token,
            store=store,
            guide=guide,
            note=note,
            coupon_id=coupon_id,
            points=points,
            activity=activity,
            pickup_store=pickup_store,
        )
    except IntegrityError:
        # a concurrent retry with the same token committed first; it rolled ours back whole
        existing = _existing_order(buyer, client_token, merchant)
        if existing is None:
            raise
        return existing


def _place(
    *,
    buyer: User,
    merchant: Merchant,
    wanted: dict[int, int],
    address: Address | None,
    client_token: str,
    store: Store | None,
    guide: Guide | None,
    note: str,
    coupon_id: int | None,
    points: int,
    activity: ActivityLine | None,
    pickup_store: Store | None = None,
) -> Order:
    from linkmall.orders.tasks import order_expire_task

    now = clock.now()
    with transaction.atomic():
        listings = {
            listing.pk: listing
            for listing in Listing.objects.select_related("sku", "product").filter(
                pk__in=list(wanted), merchant=merchant
            )
        }
        missing = sorted(set(wanted) - set(listings))
        if missing:
            # another merchant's listing answers exactly like a listing that does not exist
            raise NotFound("No such listing.", detail={"listing_ids": missing})
        for listing in listings.values():
            _check_buyable(listing)
        require_may_buy(user=buyer, listings=listings.values())  # 新品抢先: core customers only until its time

        chosen = sorted(listings.values(), key=lambda listing: listing.sku_id)
        # priced before anything is written: a refused coupon or points amount changes nothing
        quote = order_quote(buyer=buyer, merchant=merchant, coupon_id=coupon_id, points=points,
                            lines=[line_in(listing, wanted[listing.pk], activity) for listing in chosen])
        priced = quote.priced
        if priced.paid_fen <= 0:
            # a gateway takes no payment of 0.00, so such an order could never be paid; free orders
            # (invite-tier gifts) need a way to be paid without the gateway first
            raise Conflict("Nothing would be left to pay for this order.", code="order_not_payable",
                           detail={"reason": "nothing_to_pay"})
        price_of = {line.key: line for line in priced.lines}
        # one locking read and one guarded UPDATE for every line together
        # (an activity holding its own stock took the line's units when it started)
        from_sku = {listing.sku_id: wanted[listing.pk] for listing in chosen
                    if activity is None or not activity.own_stock or listing.pk != activity.listing_id}
        if from_sku:
            sku_stock_reserve_many(quantities=from_sku)

        goods_fen = priced.paid_fen
        timeout = setting("ORDER_PAYMENT_TIMEOUT_MINUTES", PAYMENT_TIMEOUT_MINUTES_DEFAULT)
        if activity is not None and activity.payment_minutes is not None:
            timeout = activity.payment_minutes
        order = Order.objects.create(
            number=order_number_new(),
            buyer=buyer,
            merchant=merchant,
            store=store,
            guide=guide,
            client_token=client_token,
            address=(pickup_address(store=pickup_store, buyer=buyer, address=address) if pickup_store is not None
                     else address.snapshot() if address is not None else {}),
            fulfilment_mode=FulfilmentMode.PICKUP if pickup_store is not None else FulfilmentMode.DELIVERY,
            pickup_store=pickup_store,
            note=note,
            list_fen=priced.list_fen,
            discount_fen=priced.list_fen - goods_fen,
            points_used=priced.points_used,
            coupon_id=priced.coupon_ref,
            promotion_id=priced.promotion_ref,
            goods_fen=goods_fen,
            shipping_fen=0,
            total_fen=goods_fen,
            placed_at=now,
            expires_at=now + timedelta(minutes=timeout),
        )
        by_supplier: dict[int, list[Listing]] = defaultdict(list)
        for listing in chosen:
            by_supplier[listing.sku.supplier_id].append(listing)
        if pickup_store is not None:
            pickup_code_assign(order)
        fulfilments = Fulfilment.objects.bulk_create(
            [Fulfilment(order=order, supplier_id=supplier_id) for supplier_id in sorted(by_supplier)]
        )
        fulfilment_of = {f.supplier_id: f for f in fulfilments}
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    fulfilment=fulfilment_of[listing.sku.supplier_id],
                    listing=listing,
                    sku=listing.sku,
                    product=listing.product,
                    supplier_id=listing.sku.supplier_id,
                    product_name=listing.product.name,
                    spec_text=_spec_text(listing.sku.spec),
                    unit_price_fen=listing.price_fen,
                    unit_cost_fen=listing.sku.cost_fen,
                    unit_pool_fen=listing.pool_fen,
                    quantity=wanted[listing.pk],
                    list_fen=price_of[listing.pk].list_fen,
                    activity_fen=price_of[listing.pk].activity_fen,
                    activity_funder=price_of[listing.pk].activity_funder,
                    activity_kind=activity.kind if activity is not None and listing.pk == activity.listing_id else "",
                    activity_rewards=(activity is not None and listing.pk == activity.listing_id
                                      and activity.rewards),
                    level_fen=price_of[listing.pk].level_fen,
                    promotion_fen=price_of[listing.pk].promotion_fen,
                    promotion_funder=price_of[listing.pk].promotion_funder,
                    coupon_fen=price_of[listing.pk].coupon_fen,
                    coupon_funder=price_of[listing.pk].coupon_funder,
                    points_used=price_of[listing.pk].points_used,
                    points_fen=price_of[listing.pk].points_fen,
                    paid_fen=price_of[listing.pk].paid_fen,
                )
                for listing in chosen
            ]
        )
        if priced.coupon_ref is not None:
            coupon_use(coupon_id=priced.coupon_ref, buyer=buyer)
        if priced.points_used:
            points_spend(buyer=buyer, merchant=merchant, points=priced.points_used, key=f"order:{order.pk}:points")
        # stored in the same transaction: if the order rolls back, so does its expiry
        enqueue_after(order_expire_task, order.expires_at, order.pk)
    return order


def order_place_from_cart(
    *,
    buyer: User,
    merchant: Merchant,
    address: Address | None,
    client_token: str,
    store: Store | None = None,
    guide: Guide | None = None,
    note: str = "",
    coupon_id: int | None = None,
    points: int = 0,
    fulfilment_mode: str = FulfilmentMode.DELIVERY,
    pickup_store: Store | None = None,
) -> Order:
    """Check out the cart's lines of one merchant, then take those lines out of the cart."""
    require_role(buyer, Role.CONSUMER)
    client_token = _check_token(client_token)
    existing = _existing_order(buyer, client_token, merchant)
    if existing is not None:
        return existing
    with transaction.atomic():
        cart_lines = list(CartLine.objects.filter(user=buyer, listing__merchant=merchant).order_by("pk"))
        if not cart_lines:
            raise Conflict("The cart has nothing from this merchant.", code="cart_empty")
        order = order_place(
            buyer=buyer,
            merchant=merchant,
            lines=[(c.listing_id, c.quantity) for c in cart_lines],
            address=address,
            client_token=client_token,
            store=store,
            guide=guide,
            note=note,
            coupon_id=coupon_id,
            points=points,
            fulfilment_mode=fulfilment_mode,
            pickup_store=pickup_store,
        )
        CartLine.objects.filter(pk__in=[c.pk for c in cart_lines]).delete()
    return order
