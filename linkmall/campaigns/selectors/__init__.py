"""Reads of the campaigns app. The package itself answers checkout, the wallet, the claim centre and
the console's promotions and coupon templates (`coupons`); loyalty, share-to-get, invite tiers and
layer offers have their own modules, imported by name."""

from linkmall.campaigns.selectors.coupons import (
    WALLET_TABS,
    CheckoutOffers,
    Claimable,
    active_promotions,
    best_coupon,
    checkout_offers,
    claimable_templates,
    consumer,
    coupon_for_checkout,
    coupon_template_get,
    coupon_template_list,
    my_coupons,
    points_accounts,
    points_entries,
    promotion_get,
    promotion_list,
    usable_coupons,
    wallet_state,
)

__all__ = [
    "WALLET_TABS",
    "CheckoutOffers",
    "Claimable",
    "active_promotions",
    "best_coupon",
    "checkout_offers",
    "claimable_templates",
    "consumer",
    "coupon_for_checkout",
    "coupon_template_get",
    "coupon_template_list",
    "my_coupons",
    "points_accounts",
    "points_entries",
    "promotion_get",
    "promotion_list",
    "usable_coupons",
    "wallet_state",
]
