"""Read-only admin: platform staff look at the ledger; only ledger.services writes it."""


from django.contrib import admin
from django.http import HttpRequest

from linkmall.core.admin import ReadOnlyAdmin
from linkmall.core.money import fen_to_yuan
from linkmall.ledger.models import Entry, LedgerAccount, Posting


class EntryInline(admin.TabularInline[Entry, Posting]):
    model = Entry
    fields = readonly_fields = ("line_no", "account", "amount_fen")
    extra = 0
    can_delete = False
    ordering = ("line_no",)

    def has_add_permission(self, request: HttpRequest, obj: Posting | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Posting | None = None) -> bool:
        return False


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin[LedgerAccount]):
    list_display = ("id", "owner_kind", "owner_id", "bucket", "balance_yuan", "created_at")
    list_filter = ("owner_kind", "bucket")
    search_fields = ("=owner_id",)
    ordering = ("owner_kind", "owner_id", "bucket")

    @admin.display(description="balance (yuan)", ordering="balance_fen")
    def balance_yuan(self, account: LedgerAccount) -> str:
        return fen_to_yuan(account.balance_fen)


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin[Posting]):
    list_display = ("created_at", "kind", "key", "reference", "memo", "line_count")
    list_filter = ("kind",)
    search_fields = ("=key", "=reference")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin[Entry]):
    list_display = ("created_at", "account", "amount_fen", "posting")
    list_select_related = ("account", "posting")
    search_fields = ("=posting__key", "=posting__reference")
    list_filter = ("account__owner_kind", "account__bucket")
    ordering = ("-created_at", "-id")
