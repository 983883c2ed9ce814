"""Admin for platform staff: every request with its photos and timeline; decisions go through the
services (as the platform), so the audit trail records them like any other."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from linkmall.aftersales import services
from linkmall.aftersales.access import ACTION_LABELS, ROLE_LABELS
from linkmall.aftersales.models import AfterSaleEvent, AfterSalePhoto, AfterSaleRequest
from linkmall.core import clock
from linkmall.core.errors import DomainError


class AfterSaleEventInline(admin.TabularInline):
    """The append-only timeline: shown, never edited."""

    model = AfterSaleEvent
    fields = ("at", "role_label", "actor", "action_label", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("at", "id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("角色"))
    def role_label(self, event):
        return ROLE_LABELS.get(event.actor_role, event.actor_role)

    @admin.display(description=_("动作"))
    def action_label(self, event):
        return ACTION_LABELS.get(event.action, event.action)


class AfterSalePhotoInline(admin.TabularInline):
    model = AfterSalePhoto
    fields = ("image",)
    readonly_fields = ("image",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OverdueFilter(admin.SimpleListFilter):
    """Open requests past their deadline: the guarantee should have acted; a stuck one needs a person."""

    title = _("是否超时")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("已超时未处理"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status__in=AfterSaleRequest.OPEN_STATUSES, respond_by__lte=clock.now())
        return queryset


@admin.register(AfterSaleRequest)
class AfterSaleRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "order", "kind", "quantity", "amount_fen", "status", "respond_by", "created_at")
    list_filter = ("status", "kind", OverdueFilter)
    search_fields = ("=id", "order__number", "requester__phone", "return_tracking_number")
    list_select_related = ("order",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    inlines = (AfterSalePhotoInline, AfterSaleEventInline)
    actions = ("approve_as_platform", "reject_as_platform", "guarantee_now")
    readonly_fields = [field.name for field in AfterSaleRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("以平台身份同意（仅退款立即退款；退货退款等待寄回）"))
    def approve_as_platform(self, request, queryset):
        self._each(request, queryset, lambda r: services.aftersale_approve(actor=request.user, request=r))

    @admin.action(description=_("以平台身份拒绝（需填写原因）"))
    def reject_as_platform(self, request, queryset):
        note = (request.POST.get("note") or "").strip()
        if "apply" in request.POST and note:
            self._each(request, queryset, lambda r: services.aftersale_reject(actor=request.user, request=r, note=note))
            return None
        # first the reason: an intermediate page, then the action runs again with it
        return TemplateResponse(
            request,
            "admin/aftersales/reject_note.html",
            {
                **self.admin_site.each_context(request),
                "title": _("以平台身份拒绝售后申请"),
                "opts": self.model._meta,
                "requests": queryset.order_by("pk"),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "note_missing": "apply" in request.POST,
            },
        )

    @admin.action(description=_("立即执行超时兜底（仅对已超时的申请生效）"))
    def guarantee_now(self, request, queryset):
        acted = sum(1 for r in queryset if services.aftersale_guarantee(request_id=r.pk))
        self.message_user(request, _("平台兜底处理了 %(n)d 个申请。") % {"n": acted})

    def _each(self, request, queryset, action):
        done = 0
        for aftersale in queryset.order_by("pk"):
            try:
                action(aftersale)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"#{aftersale.pk}: {exc.message}", level=messages.ERROR)
        self.message_user(request, _("已处理 %(n)d 个申请。") % {"n": done})


@admin.register(AfterSaleEvent)
class AfterSaleEventAdmin(admin.ModelAdmin):
    """The audit trail, read-only."""

    list_display = ("at", "request", "actor_role", "actor", "action", "note")
    list_filter = ("actor_role", "action")
    search_fields = ("=request__id",)
    list_select_related = ("request", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
