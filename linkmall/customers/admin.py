from django.contrib import admin

from linkmall.customers.models import Address


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "recipient", "city", "is_default", "created_at")
    search_fields = ("recipient", "phone", "user__username", "user__phone")
    raw_id_fields = ("user",)
