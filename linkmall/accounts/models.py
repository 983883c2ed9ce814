"""Users, roles and tenants.

Every business object belongs to a tenant: a supplier (S) or a merchant (B). Staff of a tenant
see only that tenant's objects; consumers see only their own; platform staff see everything.
"""

from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _

from linkmall.core import clock


class Tenant(models.Model):
    class Kind(models.TextChoices):
        SUPPLIER = "supplier", _("供应商")
        MERCHANT = "merchant", _("商家")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class Role(models.TextChoices):
    PLATFORM = "platform", _("平台运营")
    SUPPLIER_STAFF = "supplier_staff", _("供应商员工")
    MERCHANT_OWNER = "merchant_owner", _("商家店主")
    GUIDE = "guide", _("导购")
    CONSUMER = "consumer", _("消费者")


#: which tenant kind a staff role must belong to
ROLE_TENANT_KIND = {
    Role.SUPPLIER_STAFF: Tenant.Kind.SUPPLIER,
    Role.MERCHANT_OWNER: Tenant.Kind.MERCHANT,
    Role.GUIDE: Tenant.Kind.MERCHANT,
}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username, password=None, **extra):
        user = self.model(username=username, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, username, password=None, **extra):
        extra.setdefault("role", Role.PLATFORM)
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    username = models.CharField(max_length=64, unique=True)
    phone = models.CharField(max_length=20, unique=True, null=True, blank=True)
    wechat_openid = models.CharField(max_length=64, unique=True, null=True, blank=True)
    wechat_unionid = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    display_name = models.CharField(max_length=64, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CONSUMER)
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)  # may use Django admin (platform staff only)
    date_joined = models.DateTimeField(default=clock.now)
    # Password lock-out: consecutive wrong passwords, and until when the account refuses them.
    failed_login_count = models.PositiveSmallIntegerField(default=0)
    login_locked_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="staff_roles_have_a_tenant",
                condition=models.Q(role__in=["platform", "consumer"]) | models.Q(tenant__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_platform(self) -> bool:
        return self.role == Role.PLATFORM


class SmsCode(models.Model):
    """A one-time login code. Only its hash is stored."""

    phone = models.CharField(max_length=20, db_index=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)


class SmsThrottle(models.Model):
    """One row per phone that ever asked for a code: the row that code requests for that phone
    lock, so two simultaneous requests cannot both slip under the resend and hourly limits."""

    phone = models.CharField(max_length=20, unique=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)


class ApiToken(models.Model):
    """Bearer token of the mini-program and other API clients. Only its SHA-256 is stored."""

    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
