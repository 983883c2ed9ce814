"""Stores services (writes). Import from here: `from linkmall.stores.services import listing_pick`."""

from linkmall.stores.services.listings import listing_pick, listing_set_early_access, listing_unpick, listing_update
from linkmall.stores.services.merchants import guide_create, guide_update, merchant_create, store_create, store_update

__all__ = [
    "guide_create",
    "guide_update",
    "listing_pick",
    "listing_set_early_access",
    "listing_unpick",
    "listing_update",
    "merchant_create",
    "store_create",
    "store_update",
]
