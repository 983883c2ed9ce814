"""Consumer delivery addresses. A consumer has at most one default address (a partial unique index)."""

from django.db import transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_owner, require_role
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.core.locking import lock_rows
from linkmall.customers.models import Address

#: a consumer keeps a handful of addresses; a cap stops a script from filling the table
MAX_ADDRESSES_PER_USER = 20

_LIMITS = {"recipient": 50, "phone": 20, "province": 20, "city": 20, "district": 20, "detail": 200}
_REQUIRED = ("recipient", "phone", "province", "city", "detail")


def _clean(fields: dict) -> dict:
    cleaned = {}
    for name, value in fields.items():
        value = "" if value is None else str(value).strip()
        if name in _REQUIRED and not value:
            raise InvalidInput(f"{name} is required.", detail={"field": name})
        if len(value) > _LIMITS[name]:
            raise InvalidInput(f"{name} is too long.", detail={"field": name, "max_length": _LIMITS[name]})
        cleaned[name] = value
    if "phone" in cleaned:
        digits = cleaned["phone"].replace("-", "").replace(" ", "").lstrip("+")
        if not digits.isdigit() or not 7 <= len(digits) <= 15:
            raise InvalidInput("phone is not a phone number.", detail={"field": "phone"})
    return cleaned


def _lock_user_addresses(user: User) -> list[Address]:
    # Every address write of one user locks that user's rows in pk order, so two concurrent
    # "make default" calls cannot both clear the flag and then both set it.
    return lock_rows(Address.objects.filter(user=user))


def address_create(
    *,
    user: User,
    recipient: str,
    phone: str,
    province: str,
    city: str,
    district: str = "",
    detail: str,
    is_default: bool = False,
) -> Address:
    require_role(user, Role.CONSUMER)
    fields = _clean(
        {
            "recipient": recipient,
            "phone": phone,
            "province": province,
            "city": city,
            "district": district,
            "detail": detail,
        }
    )
    with transaction.atomic():
        existing = _lock_user_addresses(user)
        if len(existing) >= MAX_ADDRESSES_PER_USER:
            raise InvalidInput("Too many addresses.", code="too_many_addresses", detail={"max": MAX_ADDRESSES_PER_USER})
        # the first address is the default one, whatever the caller asked
        make_default = is_default or not existing
        if make_default:
            Address.objects.filter(user=user, is_default=True).update(is_default=False)
        return Address.objects.create(user=user, is_default=make_default, **fields)


def address_update(*, user: User, address: Address, **fields) -> Address:
    """Change some of recipient, phone, province, city, district, detail (only the owner may)."""
    require_owner(user, address.user_id, what="address")
    unknown = set(fields) - set(_LIMITS)
    if unknown:
        raise InvalidInput("Unknown address fields.", detail={"fields": sorted(unknown)})
    cleaned = _clean({k: v for k, v in fields.items() if v is not None})
    if cleaned:
        Address.objects.filter(pk=address.pk).update(**cleaned)
        for name, value in cleaned.items():
            setattr(address, name, value)
    return address


def address_set_default(*, user: User, address: Address) -> Address:
    require_owner(user, address.user_id, what="address")
    with transaction.atomic():
        rows = {a.pk: a for a in _lock_user_addresses(address.user)}
        if address.pk not in rows:
            raise NotFound("No such address.")
        Address.objects.filter(user_id=address.user_id, is_default=True).exclude(pk=address.pk).update(is_default=False)
        Address.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


def address_delete(*, user: User, address: Address) -> None:
    """Delete an address. Orders keep their own snapshot, so old orders are untouched. If it was
    the default, the most recent remaining address becomes the default."""
    require_owner(user, address.user_id, what="address")
    with transaction.atomic():
        rows = _lock_user_addresses(address.user)
        if address.pk not in {a.pk for a in rows}:
            raise NotFound("No such address.")
        Address.objects.filter(pk=address.pk).delete()
        if address.is_default:
            remaining = [a for a in rows if a.pk != address.pk]
            if remaining:
                newest = max(remaining, key=lambda a: (a.created_at, a.pk))
                Address.objects.filter(pk=newest.pk).update(is_default=True)
