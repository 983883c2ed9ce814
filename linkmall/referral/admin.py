"""Admin of the 2+1 engine: a read-only window for platform staff.

Every change goes through the services (plan_draft/acknowledge/go_live, rewards_pause, the
graph functions), which check compliance, lock the graph and write the audit log; the admin
never edits the graphs, the rewards or a plan. Qualifying products (the package that is the
entry to agent) are named here, because that is a plain list with no rule behind it.
"""


from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from linkmall.accounts.models import User
from linkmall.core import clock
from linkmall.core.admin import ReadOnlyAdmin
from linkmall.core.money import fen_to_yuan
from linkmall.referral.models import (
    EngineSwitch,
    OrderSettlement,
    Promoter,
    QualifyingProduct,
    ReferralPlan,
    Reward,
    TeamEvent,
)


@admin.register(ReferralPlan)
class ReferralPlanAdmin(ReadOnlyAdmin[ReferralPlan]):
    """Plans are drafted, acknowledged and put live on /ops/referral/, where the compliance
    report is shown; a draft's config cannot change under an acknowledgement."""

    list_display = ("id", "status", "profile", "created_at", "created_by", "acknowledged_at", "went_live_at",
                    "retired_at")
    list_filter = ("status",)
    list_select_related = ("created_by",)
    ordering = ("-created_at", "-id")

    @admin.display(description="profile")
    def profile(self, plan: ReferralPlan) -> str:
        return str((plan.config or {}).get("profile", "sales"))


@admin.register(EngineSwitch)
class EngineSwitchAdmin(ReadOnlyAdmin[EngineSwitch]):
    list_display = ("id", "rewards_paused", "reason", "changed_by", "changed_at")


@admin.register(Promoter)
class PromoterAdmin(ReadOnlyAdmin[Promoter]):
    list_display = ("user", "level", "referrer", "team_owner", "origin_boss", "slots", "spend_yuan", "entered_at")
    list_filter = ("level", "bound_via")
    list_select_related = ("user", "referrer", "team_owner", "origin_boss")
    search_fields = ("=user__id", "=user__phone", "user__username")
    raw_id_fields = ("user", "referrer", "team_owner", "origin_boss")
    show_full_result_count = False  # a count over millions of promoters is not worth its time

    @admin.display(description="spend (yuan)", ordering="spend_fen")
    def spend_yuan(self, promoter: Promoter) -> str:
        return fen_to_yuan(promoter.spend_fen)


@admin.register(TeamEvent)
class TeamEventAdmin(ReadOnlyAdmin[TeamEvent]):
    list_display = ("at", "user", "kind", "team_owner", "referrer", "order", "detail")
    list_filter = ("kind",)
    list_select_related = ("user", "team_owner", "referrer", "order")
    search_fields = ("=user__id", "=user__phone")
    raw_id_fields = ("user", "team_owner", "referrer", "order")
    ordering = ("-at", "-id")
    show_full_result_count = False


@admin.register(Reward)
class RewardAdmin(ReadOnlyAdmin[Reward]):
    list_display = ("created_at", "order", "recipient", "kind", "status", "amount_yuan", "accrued_yuan")
    list_filter = ("status", "kind")
    list_select_related = ("order", "recipient")
    search_fields = ("=order__number", "=recipient__id", "=recipient__phone")
    raw_id_fields = ("line", "order", "recipient")
    ordering = ("-created_at", "-id")
    show_full_result_count = False

    @admin.display(description="amount (yuan)", ordering="amount_fen")
    def amount_yuan(self, reward: Reward) -> str:
        return fen_to_yuan(reward.amount_fen)

    @admin.display(description="accrued (yuan)", ordering="accrued_fen")
    def accrued_yuan(self, reward: Reward) -> str:
        return fen_to_yuan(reward.accrued_fen)


@admin.register(OrderSettlement)
class OrderSettlementAdmin(ReadOnlyAdmin[OrderSettlement]):
    list_display = ("order", "plan", "basis", "paid_at", "settle_due_at", "rewards_accrued_at", "settled_at")
    list_filter = ("basis",)
    list_select_related = ("order",)
    search_fields = ("=order__number",)
    raw_id_fields = ("order", "plan")


@admin.register(QualifyingProduct)
class QualifyingProductAdmin(admin.ModelAdmin[QualifyingProduct]):
    list_display = ("product", "added_by", "added_at")
    list_select_related = ("product", "added_by")
    raw_id_fields = ("product",)
    fields = ("product",)

    def has_change_permission(self, request: HttpRequest, obj: QualifyingProduct | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: QualifyingProduct, form: forms.ModelForm[QualifyingProduct],
                   change: bool) -> None:
        # who named the package, and when: the admin records the operator like the services do
        if not isinstance(request.user, User):  # the admin lets only logged-in staff this far
            raise PermissionDenied
        obj.added_by, obj.added_at = request.user, clock.now()
        super().save_model(request, obj, form, change)
