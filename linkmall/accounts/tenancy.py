"""Who may touch what. Every service that reads or writes a tenant's data asks here first.

A tenant's object that another tenant asks for is answered "not found", not "forbidden", so
ids of other tenants' objects leak nothing.
"""

from linkmall.accounts.models import Role, User
from linkmall.core.errors import NotAuthenticated, NotFound, PermissionDenied


def require_role(user: User | None, *roles: str) -> User:
    if user is None or not user.is_authenticated:
        raise NotAuthenticated("Log in first.")
    if user.role not in roles and not (user.role == Role.PLATFORM and Role.PLATFORM in roles):
        raise PermissionDenied("Your role may not do this.", detail={"role": user.role, "allowed": list(roles)})
    return user


def require_tenant(user: User | None, tenant_id: int, *, what: str = "object") -> User:
    """The user must be staff of `tenant_id`, or platform staff."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated("Log in first.")
    if user.role == Role.PLATFORM:
        return user
    if user.tenant_id is None or user.tenant_id != tenant_id:
        raise NotFound(f"No such {what}.")
    return user


def require_owner(user: User | None, owner_id: int, *, what: str = "object") -> User:
    """The user must be the consumer who owns the object, or platform staff."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated("Log in first.")
    if user.role == Role.PLATFORM or user.pk == owner_id:
        return user
    raise NotFound(f"No such {what}.")
