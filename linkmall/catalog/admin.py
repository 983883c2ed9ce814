from django.contrib import admin

from linkmall.catalog.models import Category, ImportJob, Product, ProductImage, Sku, Supplier


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("tenant_id", "name", "contact_phone", "created_at")
    search_fields = ("name", "contact_phone")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")


class SkuInline(admin.TabularInline):
    model = Sku
    extra = 0
    fields = ("code", "spec", "cost_fen", "suggested_price_fen", "stock", "is_active")
    # stock moves only through the guarded stock services, never by editing a row
    readonly_fields = ("stock",)


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "supplier", "category", "status", "created_at")
    list_filter = ("status", "category")
    search_fields = ("name", "skus__code")
    list_select_related = ("supplier", "category")
    inlines = [SkuInline, ProductImageInline]


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ("code", "product", "supplier", "cost_fen", "suggested_price_fen", "stock", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "product__name")
    list_select_related = ("product", "supplier")
    readonly_fields = ("stock",)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "supplier", "original_name", "status", "processed_rows", "total_rows", "imported_rows",
                    "created_at")
    list_filter = ("status",)
    readonly_fields = ("errors", "total_rows", "processed_rows", "imported_rows", "finished_at")
