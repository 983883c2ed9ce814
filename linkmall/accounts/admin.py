"""Django admin for platform staff: users, tenants, and read-only login records.

The admin login goes through `password_login`, so the lock-out after wrong passwords also
protects /admin/.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linkmall.accounts import services
from linkmall.accounts.models import ApiToken, Role, SmsCode, Tenant, User
from linkmall.accounts.pages.views import LOGIN_FAILED
from linkmall.core.admin import ReadOnlyAdmin
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError


class StaffAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.password_login(username=username, password=password)
            except DomainError as exc:
                raise ValidationError(error_text(exc, default=LOGIN_FAILED), code=exc.code) from None
            self.user_cache.backend = "django.contrib.auth.backends.ModelBackend"
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = StaffAdminAuthenticationForm
admin.site.site_header = _("链动商城 平台运营")
admin.site.site_title = _("链动商城")


class _AccountRules:
    """Admin edits keep the rules of the services: a staff role's tenant is of its kind, and a
    phone is a mainland mobile number, stored normalized (or NULL, never "")."""

    def clean_phone(self):
        phone = self.cleaned_data.get("phone") or None
        if phone:
            try:
                phone = services.phone_normalize(phone)
            except DomainError as exc:
                raise ValidationError(exc.message) from None
        return phone

    def clean(self):
        cleaned = super().clean()
        role, tenant = cleaned.get("role"), cleaned.get("tenant")
        if role and role != Role.CONSUMER:
            try:
                services.staff_tenant_check(role=role, tenant_id=tenant.pk if tenant else None)
            except DomainError as exc:
                raise ValidationError({"tenant": exc.message}) from None
        elif role == Role.CONSUMER and tenant is not None:
            raise ValidationError({"tenant": _("消费者不属于任何租户。")})
        return cleaned


class UserCreateForm(_AccountRules, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "role", "tenant", "display_name", "phone")


class UserEditForm(_AccountRules, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    wechat_openid = forms.CharField(required=False, max_length=64)

    def clean_wechat_openid(self):
        return self.cleaned_data.get("wechat_openid") or None


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    list_display = ("username", "display_name", "role", "tenant", "phone", "is_active", "date_joined")
    list_filter = ("role", "is_active", "is_staff", "tenant__kind")
    list_select_related = ("tenant",)
    search_fields = ("username", "display_name", "phone", "wechat_openid")
    ordering = ("-date_joined",)
    readonly_fields = ("last_login", "date_joined", "failed_login_count", "login_locked_until")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("身份"), {"fields": ("display_name", "role", "tenant", "phone", "wechat_openid", "wechat_unionid")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("登录"), {"fields": ("last_login", "date_joined", "failed_login_count", "login_locked_until")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "tenant", "display_name", "phone",
                                                 "usable_password", "password1", "password2")}),
    )
    actions = ["revoke_api_tokens", "unlock_login"]

    @admin.action(description=_("吊销所选用户的全部 API 令牌"))
    def revoke_api_tokens(self, request, queryset):
        count = sum(services.api_token_revoke_all(user=user) for user in queryset)
        self.message_user(request, _("已吊销 %(count)d 个令牌。") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("解除所选用户的登录锁定"))
    def unlock_login(self, request, queryset):
        for user in queryset:
            services.user_login_unlock(user=user)
        self.message_user(request, _("已解锁 %(count)d 个用户。") % {"count": len(queryset)}, messages.SUCCESS)


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "name", "created_at")
    list_filter = ("kind",)
    search_fields = ("name",)




@admin.register(SmsCode)
class SmsCodeAdmin(ReadOnlyAdmin):
    list_display = ("phone", "created_at", "expires_at", "attempts", "used_at")
    search_fields = ("phone",)
    exclude = ("code_hash",)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "created_at", "expires_at", "revoked_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__phone")
    exclude = ("key_hash",)
