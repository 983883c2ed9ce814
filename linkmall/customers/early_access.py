"""新品抢先 (early access) for buyers: until a listing's `early_access_until` only the merchant's
core customers (customers.Profile.layer == core) see and buy it.

`stores.early_access` keeps such listings off every shared page; this is the lowest app that knows a
buyer's layer, so the cart, checkout and the core customers' own pages ask here.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet

from linkmall.accounts.models import User
from linkmall.core import clock
from linkmall.core.errors import Conflict
from linkmall.customers.models import Layer, Profile
from linkmall.stores.early_access import in_early_access
from linkmall.stores.models import Listing
from linkmall.stores.pricing import PRICE_ALLOWED


def is_core_customer(*, user: User | None, merchant_id: int) -> bool:
    """Whether the user's profile at the merchant is in the core layer (a visitor never is)."""
    if user is None or not user.is_authenticated:
        return False
    return Profile.objects.filter(user_id=user.pk, merchant_id=merchant_id, layer=Layer.CORE).exists()


def may_buy(*, user: User | None, listing: Listing, now: datetime | None = None) -> bool:
    """Whether the user may see and buy the listing now, as far as early access goes."""
    if not in_early_access(listing, now or clock.now()):
        return True
    return is_core_customer(user=user, merchant_id=listing.merchant_id)


def require_may_buy(*, user: User, listings: Iterable[Listing]) -> None:
    """Refuse (`listing_early_access`) a listing still in early access to a buyer who is not a core
    customer of its merchant. One query per merchant with such a listing, none otherwise."""
    now = clock.now()
    core: dict[int, bool] = {}
    for listing in sorted(listings, key=lambda item: item.pk):
        if not in_early_access(listing, now):
            continue
        if listing.merchant_id not in core:
            core[listing.merchant_id] = is_core_customer(user=user, merchant_id=listing.merchant_id)
        if not core[listing.merchant_id]:
            until = listing.early_access_until
            raise Conflict("This item is in early access for core customers only.", code="listing_early_access",
                           detail={"listing_id": listing.pk, "until": until.isoformat() if until else None})


def early_access_listings(*, merchant_id: int, now: datetime | None = None) -> QuerySet[Listing]:
    """The merchant's listings on sale to core customers only right now, soonest to open first."""
    moment = now or clock.now()
    return (Listing.objects.filter(PRICE_ALLOWED, merchant_id=merchant_id, is_active=True, sku__is_active=True,
                                   product__status="active", early_access_until__gt=moment)
            .select_related("product", "sku").order_by("early_access_until", "pk"))
