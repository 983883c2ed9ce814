"""Admin for platform staff: read-mostly views; state changes go through the services."""

from django.contrib import admin
from django.http import HttpRequest

from linkmall.orders.models import CartLine, Fulfilment, Order, OrderLine


class OrderLineInline(admin.TabularInline[OrderLine, Order]):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = (
        "product_name",
        "spec_text",
        "supplier",
        "unit_price_fen",
        "unit_cost_fen",
        "unit_pool_fen",
        "quantity",
        "list_fen",
        "activity_fen",
        "level_fen",
        "promotion_fen",
        "promotion_funder",
        "coupon_fen",
        "coupon_funder",
        "points_used",
        "points_fen",
        "paid_fen",
        "refunded_quantity",
        "refunded_fen",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class FulfilmentInline(admin.TabularInline[Fulfilment, Order]):
    model = Fulfilment
    extra = 0
    can_delete = False
    fields = ("supplier", "status", "carrier", "tracking_number", "shipped_at", "received_at", "received_by")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin[Order]):
    list_display = ("number", "buyer", "merchant", "status", "total_fen", "refunded_fen", "placed_at", "paid_at")
    list_filter = ("status",)
    search_fields = ("number", "buyer__phone", "buyer__username")
    date_hierarchy = "placed_at"
    raw_id_fields = ("buyer", "merchant", "store", "guide")
    inlines = [FulfilmentInline, OrderLineInline]
    # money and status change only through services (refunds, payments), never by hand here
    readonly_fields = (
        "number",
        "buyer",
        "merchant",
        "store",
        "guide",
        "status",
        "client_token",
        "address",
        "list_fen",
        "discount_fen",
        "points_used",
        "coupon",
        "promotion",
        "goods_fen",
        "shipping_fen",
        "total_fen",
        "refunded_fen",
        "placed_at",
        "expires_at",
        "paid_at",
        "completed_at",
        "cancelled_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


@admin.register(Fulfilment)
class FulfilmentAdmin(admin.ModelAdmin[Fulfilment]):
    list_display = ("id", "order", "supplier", "status", "carrier", "tracking_number", "shipped_at")
    list_filter = ("status",)
    search_fields = ("order__number", "tracking_number")
    raw_id_fields = ("order", "supplier")
    readonly_fields = ("order", "supplier", "status", "shipped_at", "received_at", "received_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Fulfilment | None = None) -> bool:
        return False


@admin.register(CartLine)
class CartLineAdmin(admin.ModelAdmin[CartLine]):
    list_display = ("id", "user", "listing", "quantity", "added_at")
    raw_id_fields = ("user", "listing")
