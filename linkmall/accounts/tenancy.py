"""Who may touch what. Every service that reads or writes a tenant's data asks here first.

A tenant's object that another tenant asks for is answered "not found", not "forbidden", so
ids of other tenants' objects leak nothing. Platform staff pass the tenant and owner checks,
but a role check lets them in only where the caller lists Role.PLATFORM.
"""

from django.db import models

from linkmall.accounts.models import Role, User
from linkmall.core.errors import NotAuthenticated, NotFound, PermissionDenied


def _logged_in(user: User | None) -> User:
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotAuthenticated("Log in first.")
    return user


def require_role(user: User | None, *roles: str) -> User:
    user = _logged_in(user)
    if user.role not in roles:
        raise PermissionDenied("Your role may not do this.", detail={"role": user.role, "allowed": list(roles)})
    return user


def require_tenant(user: User | None, tenant_id: int, *, what: str = "object") -> User:
    """The user must be staff of `tenant_id`, or platform staff."""
    user = _logged_in(user)
    if user.role == Role.PLATFORM:
        return user
    if user.tenant_id is None or user.tenant_id != tenant_id:
        raise NotFound(f"No such {what}.")
    return user


def require_owner(user: User | None, owner_id: int, *, what: str = "object") -> User:
    """The user must be the consumer who owns the object, or platform staff."""
    user = _logged_in(user)
    if user.role == Role.PLATFORM or user.pk == owner_id:
        return user
    raise NotFound(f"No such {what}.")


def scope_to_tenant(queryset: models.QuerySet, user: User | None, *, field: str = "tenant_id") -> models.QuerySet:
    """The rows of `queryset` the user may list: all for platform staff, their tenant's for
    tenant staff, none for anybody else. `field` names the tenant column (e.g. "supplier_id")."""
    user = _logged_in(user)
    if user.role == Role.PLATFORM:
        return queryset
    if user.tenant_id is None:
        return queryset.none()
    return queryset.filter(**{field: user.tenant_id})


def scope_to_owner(queryset: models.QuerySet, user: User | None, *, field: str = "user_id") -> models.QuerySet:
    """The rows of `queryset` the user owns (all of them for platform staff)."""
    user = _logged_in(user)
    if user.role == Role.PLATFORM:
        return queryset
    return queryset.filter(**{field: user.pk})
