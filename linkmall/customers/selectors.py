"""Reads of consumer data."""

from linkmall.accounts.models import User
from linkmall.core.errors import NotFound
from linkmall.customers.models import Address


def address_list(*, user: User) -> list[Address]:
    """The user's addresses, the default one first."""
    return list(Address.objects.filter(user=user).order_by("-is_default", "-created_at", "-pk"))


def address_get(*, user: User, address_id: int) -> Address:
    """One of the user's own addresses; anyone else's answers not found."""
    address = Address.objects.filter(pk=address_id, user=user).first()
    if address is None:
        raise NotFound("No such address.")
    return address


def address_default(*, user: User) -> Address | None:
    return Address.objects.filter(user=user, is_default=True).first()
