"""Admin of campaigns: a read-only window for platform staff.

Promotions and coupon templates change through the services (the merchant console and the API),
which check tenancy, the terms and the below-cost rule; coupons and points move only through
guarded updates, so the admin never edits them.
"""


from django.contrib import admin

from linkmall.campaigns.models import Coupon, CouponTemplate, PointsAccount, PointsEntry, Promotion
from linkmall.core.admin import ReadOnlyAdmin


@admin.register(Promotion)
class PromotionAdmin(ReadOnlyAdmin[Promotion]):
    list_display = ("id", "merchant", "name", "kind", "value", "threshold_fen", "new_customers_only", "funder",
                    "status", "starts_at", "ends_at")
    list_filter = ("status", "kind", "funder", "new_customers_only")
    list_select_related = ("merchant",)
    search_fields = ("name", "merchant__name")
    ordering = ("-id",)


@admin.register(CouponTemplate)
class CouponTemplateAdmin(ReadOnlyAdmin[CouponTemplate]):
    list_display = ("id", "merchant", "name", "kind", "value", "threshold_fen", "issued", "total", "per_user_limit",
                    "funder", "status")
    list_filter = ("status", "kind", "funder")
    list_select_related = ("merchant",)
    search_fields = ("name", "merchant__name")
    ordering = ("-id",)


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin[Coupon]):
    list_display = ("id", "template", "user", "merchant", "status", "source", "claimed_at", "valid_until", "used_at")
    list_filter = ("status", "source")
    list_select_related = ("template", "user", "merchant")
    search_fields = ("user__username", "user__phone", "key")
    raw_id_fields = ("template", "user", "merchant")
    ordering = ("-id",)


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnlyAdmin[PointsAccount]):
    list_display = ("id", "user", "merchant", "balance", "created_at")
    list_select_related = ("user", "merchant")
    search_fields = ("user__username", "user__phone", "merchant__name")
    raw_id_fields = ("user", "merchant")
    ordering = ("-id",)


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin[PointsEntry]):
    list_display = ("id", "account", "delta", "kind", "reason", "key", "created_at", "expires_at")
    list_filter = ("kind",)
    list_select_related = ("account",)
    search_fields = ("key", "reason")
    raw_id_fields = ("account",)
    ordering = ("-id",)
