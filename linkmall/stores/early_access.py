"""新品抢先 (early access): a listing with `early_access_until` in the future sells only to the
merchant's core customers until then. This module knows only the time; who is a core customer is
the customers app's `customers.early_access`, which the pages and checkout above it call.

Every public list and the shared (cached) product page filter on `on_general_sale`, so they never
show such a listing to anyone before its time; core customers reach it through their own pages.
"""

from datetime import datetime

from django.db.models import Q

from linkmall.stores.models import Listing


def on_general_sale(now: datetime) -> Q:
    """Listing rows every buyer may see and buy at `now`."""
    return Q(early_access_until__isnull=True) | Q(early_access_until__lte=now)


def in_early_access(listing: Listing, now: datetime) -> bool:
    """Whether `listing` still sells only to core customers at `now`."""
    return listing.early_access_until is not None and now < listing.early_access_until
