from django.contrib import admin

from linkmall.stores.models import Guide, Listing, Merchant, Store


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("tenant_id", "name", "contact_phone", "created_at")
    search_fields = ("name", "contact_phone")


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "merchant", "city", "address", "latitude", "longitude", "is_active")
    list_filter = ("is_active", "city")
    search_fields = ("name", "address")
    list_select_related = ("merchant",)


@admin.register(Guide)
class GuideAdmin(admin.ModelAdmin):
    list_display = ("user", "merchant", "store", "title", "phone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("user__display_name", "phone")
    list_select_related = ("user", "merchant", "store")
    raw_id_fields = ("user",)


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ("product", "sku", "merchant", "price_fen", "pool_fen", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("product__name", "sku__code", "merchant__name")
    list_select_related = ("product", "sku", "merchant")
    raw_id_fields = ("sku", "product")
