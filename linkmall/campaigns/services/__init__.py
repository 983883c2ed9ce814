"""The campaigns app's writes. Every one is keyword-only and typed; the money and claim steps are
idempotent by key. The orders app calls the checkout ones (`coupon_use`, `coupon_release`,
`points_spend`, `points_return`) inside the order's transaction."""

from linkmall.campaigns.services.coupons import (
    coupon_claim,
    coupon_issue,
    coupon_release,
    coupon_use,
    coupons_expire,
)
from linkmall.campaigns.services.points import points_grant, points_return, points_spend
from linkmall.campaigns.services.promotions import (
    PromotionFields,
    promotion_create,
    promotion_set_status,
    promotion_update,
)
from linkmall.campaigns.services.templates import (
    CouponTemplateFields,
    coupon_template_create,
    coupon_template_set_status,
    coupon_template_update,
)

__all__ = [
    "CouponTemplateFields",
    "PromotionFields",
    "coupon_claim",
    "coupon_issue",
    "coupon_release",
    "coupon_template_create",
    "coupon_template_set_status",
    "coupon_template_update",
    "coupon_use",
    "coupons_expire",
    "points_grant",
    "points_return",
    "points_spend",
    "promotion_create",
    "promotion_set_status",
    "promotion_update",
]
