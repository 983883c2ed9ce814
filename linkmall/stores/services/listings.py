"""Listings (选品): a merchant's pick of a supplier SKU at its own retail price and commission pool.

The rule that protects suppliers: a merchant never sells below the SKU's cost (`stores.pricing`). The
pool that referral rewards come out of is part of the merchant's margin, so 0 ≤ pool ≤ price − cost.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role, require_tenant
from linkmall.catalog.models import Product, Sku
from linkmall.catalog.services.validation import MAX_PRICE_FEN, clean_int
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.core.locking import lock_one
from linkmall.stores.models import Listing, Merchant
from linkmall.stores.pricing import listing_price_allowed


def _require_merchant_owner(actor: User, merchant_id: int, what: str) -> None:
    require_role(actor, Role.MERCHANT_OWNER, Role.PLATFORM)
    require_tenant(actor, merchant_id, what=what)


def _check_price(*, price_fen: int, pool_fen: int, cost_fen: int) -> None:
    price, err = clean_int(price_fen, minimum=1, maximum=MAX_PRICE_FEN)
    if err:
        raise InvalidInput("The price is not valid.", detail={"fields": {"price_fen": err}})
    pool, err = clean_int(pool_fen, minimum=0, maximum=MAX_PRICE_FEN)
    if err:
        raise InvalidInput("The pool is not valid.", detail={"fields": {"pool_fen": err}})
    if not listing_price_allowed(price_fen=price, cost_fen=cost_fen):
        raise InvalidInput(
            "The price is below the supplier's cost.",
            code="price_below_cost",
            detail={"price_fen": price, "cost_fen": cost_fen},
        )
    if pool > price - cost_fen:
        raise InvalidInput(
            "The commission pool cannot exceed the margin (price − cost).",
            code="pool_exceeds_margin",
            detail={"pool_fen": pool, "max_pool_fen": price - cost_fen},
        )


def _sku_for_sale(sku_id: int) -> Sku:
    sku = Sku.objects.select_related("product").filter(pk=sku_id).first()
    if sku is None:
        raise NotFound("No such SKU.", detail={"sku_id": sku_id})
    if not sku.is_active or sku.product.status != Product.Status.ACTIVE:
        raise Conflict("This SKU is not for sale.", code="sku_not_for_sale", detail={"sku_id": sku_id})
    return sku


def listing_pick(*, actor: User, merchant: Merchant, sku: Sku, price_fen: int, pool_fen: int = 0) -> Listing:
    """Pick a supplier SKU into the merchant's shop, or re-pick it (update price and pool, reactivate)."""
    _require_merchant_owner(actor, merchant.pk, "merchant")
    for attempt in range(2):
        try:
            with transaction.atomic():
                current = _sku_for_sale(sku.pk)
                _check_price(price_fen=price_fen, pool_fen=pool_fen, cost_fen=current.cost_fen)
                now = clock.now()
                existing = Listing.objects.filter(merchant_id=merchant.pk, sku_id=current.pk).values_list("pk", flat=True).first()
                if existing is None:
                    return Listing.objects.create(
                        merchant=merchant, sku=current, product_id=current.product_id, price_fen=price_fen,
                        pool_fen=pool_fen, created_at=now, updated_at=now,
                    )
                listing = lock_one(Listing.objects.all(), existing)
                listing.price_fen, listing.pool_fen, listing.is_active, listing.updated_at = price_fen, pool_fen, True, now
                listing.save(update_fields=["price_fen", "pool_fen", "is_active", "updated_at"])
                listing.sku = current
                return listing
        except IntegrityError:
            # The same merchant picked the same SKU in a concurrent request; the second pass updates it.
            if attempt:
                raise
    raise AssertionError("unreachable")


def listing_update(*, actor: User, listing: Listing, price_fen: int | None = None, pool_fen: int | None = None,
                   is_active: bool | None = None) -> Listing:
    _require_merchant_owner(actor, listing.merchant_id, "listing")
    if is_active is not None and not isinstance(is_active, bool):
        raise InvalidInput("is_active must be true or false.", detail={"fields": {"is_active": "必须是 true 或 false"}})
    with transaction.atomic():
        locked = lock_one(Listing.objects.all(), listing.pk)
        price = locked.price_fen if price_fen is None else price_fen
        pool = locked.pool_fen if pool_fen is None else pool_fen
        activating = is_active is True and not locked.is_active
        if price_fen is not None or pool_fen is not None or activating:
            sku = _sku_for_sale(locked.sku_id) if activating else Sku.objects.get(pk=locked.sku_id)
            _check_price(price_fen=price, pool_fen=pool, cost_fen=sku.cost_fen)
        locked.price_fen, locked.pool_fen = price, pool
        if is_active is not None:
            locked.is_active = is_active
        locked.updated_at = clock.now()
        locked.save(update_fields=["price_fen", "pool_fen", "is_active", "updated_at"])
    return locked


def listing_unpick(*, actor: User, listing: Listing) -> Listing:
    """Take a pick off the merchant's shelves. The row stays: past orders point at it."""
    return listing_update(actor=actor, listing=listing, is_active=False)


#: how far ahead an early access may reach
MAX_EARLY_ACCESS_DAYS = 90


def listing_set_early_access(*, actor: User, listing: Listing, until: datetime | None) -> Listing:
    """新品抢先: sell the listing only to the merchant's core customers until `until` (a future time,
    at most 90 days ahead), or to everyone again with None."""
    _require_merchant_owner(actor, listing.merchant_id, "listing")
    now = clock.now()
    if until is not None and (not isinstance(until, datetime) or timezone.is_naive(until) or until <= now
                              or until > now + timedelta(days=MAX_EARLY_ACCESS_DAYS)):
        raise InvalidInput("The early access ends in the future, within 90 days.",
                           detail={"fields": {"early_access_until": f"应在现在之后 {MAX_EARLY_ACCESS_DAYS} 天内"}})
    with transaction.atomic():
        locked = lock_one(Listing.objects.all(), listing.pk)
        locked.early_access_until, locked.updated_at = until, now
        locked.save(update_fields=["early_access_until", "updated_at"])
    return locked
