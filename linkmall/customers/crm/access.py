"""Who sees which customers: a merchant owner sees all of the merchant's, a guide only their own.

Another tenant's profile, or another guide's customer, answers "not found" (never "forbidden"),
so ids leak nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.core.errors import NotFound, PermissionDenied
from linkmall.customers.models import Profile
from linkmall.stores.models import Guide


@dataclass(frozen=True)
class CrmScope:
    user: User
    merchant_id: int
    guide_id: int | None  # None: the owner, who sees every customer of the merchant

    @property
    def is_guide(self) -> bool:
        return self.guide_id is not None


def crm_scope(user: User | None) -> CrmScope:
    user = require_role(user, Role.MERCHANT_OWNER, Role.GUIDE)
    if user.tenant_id is None:
        raise PermissionDenied("Your account belongs to no merchant.")
    if user.role == Role.MERCHANT_OWNER:
        return CrmScope(user=user, merchant_id=user.tenant_id, guide_id=None)
    guide = Guide.objects.filter(user=user, is_active=True).values_list("pk", "merchant_id").first()
    if guide is None:
        raise PermissionDenied("Your guide account is not active.")
    return CrmScope(user=user, merchant_id=guide[1], guide_id=guide[0])


def profiles_in_scope(scope: CrmScope) -> QuerySet[Profile]:
    rows = Profile.objects.filter(merchant_id=scope.merchant_id)
    if scope.guide_id is not None:
        rows = rows.filter(guide_id=scope.guide_id)
    return rows


def profile_in_scope(scope: CrmScope, profile_id: int) -> Profile:
    profile = profiles_in_scope(scope).select_related("user", "guide__user").filter(pk=profile_id).first()
    if profile is None:
        raise NotFound("No such customer.")
    return profile


def mask_phone(phone: str | None, scope: CrmScope) -> str:
    """Guides see 139****5678: the customer's number stays with the merchant when a guide leaves."""
    phone = phone or ""
    if not scope.is_guide or len(phone) < 7:
        return phone
    return f"{phone[:3]}****{phone[-4:]}"
