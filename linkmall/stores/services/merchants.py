"""Merchants (each one a tenant), their stores and their guides."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from linkmall.accounts.errors import PhoneTaken
from linkmall.accounts.models import Role, Tenant, User
from linkmall.accounts.services import phone_normalize, staff_user_create
from linkmall.accounts.tenancy import require_role, require_tenant
from linkmall.catalog.services.validation import clean_text
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.core.locking import lock_one
from linkmall.stores.models import Guide, Merchant, Store

# GCJ-02 is only defined inside China; outside this box map services return WGS-84 unchanged,
# so a point out here is a typo or a swapped latitude/longitude.
GCJ02_LATITUDE = (Decimal("0.8293"), Decimal("55.8271"))
GCJ02_LONGITUDE = (Decimal("72.004"), Decimal("137.8347"))
SIX_PLACES = Decimal("0.000001")

_STORE_TEXT = {"name": (100, True), "city": (50, True), "address": (200, True), "phone": (20, False),
               "opening_hours": (50, False)}


def merchant_create(*, name: str, contact_phone: str = "") -> Merchant:
    """A new merchant and its tenant, in one transaction (the merchant's pk is the tenant's)."""
    fields = {}
    name, err = clean_text(name, max_length=100)
    if err:
        fields["name"] = err
    contact_phone, err = clean_text(contact_phone, max_length=20, required=False)
    if err:
        fields["contact_phone"] = err
    if fields:
        raise InvalidInput("The merchant is not valid.", detail={"fields": fields})
    with transaction.atomic():
        tenant = Tenant.objects.create(kind=Tenant.Kind.MERCHANT, name=name)
        return Merchant.objects.create(tenant=tenant, name=name, contact_phone=contact_phone)


def _require_merchant_owner(actor: User, merchant_id: int, what: str) -> None:
    require_role(actor, Role.MERCHANT_OWNER, Role.PLATFORM)
    require_tenant(actor, merchant_id, what=what)


def _coordinate(value: Any, bounds: tuple[Decimal, Decimal]) -> tuple[Decimal | None, str | None]:
    if isinstance(value, bool) or value is None:
        return None, "必填"
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None, "必须是数字"
    if not number.is_finite() or not bounds[0] <= number <= bounds[1]:
        return None, f"必须在 {bounds[0]} 到 {bounds[1]} 之间（GCJ-02，中国境内）"
    return number.quantize(SIX_PLACES, rounding=ROUND_HALF_UP), None


def _clean_store_fields(values: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in values.items():
        if value is None and partial:
            continue
        if name == "latitude":
            clean[name], err = _coordinate(value, GCJ02_LATITUDE)
        elif name == "longitude":
            clean[name], err = _coordinate(value, GCJ02_LONGITUDE)
        elif name == "is_active":
            clean[name], err = value, (None if isinstance(value, bool) else "必须是 true 或 false")
        else:
            max_length, required = _STORE_TEXT[name]
            clean[name], err = clean_text(value, max_length=max_length, required=required)
        if err:
            errors[name] = err
    if errors:
        raise InvalidInput("The store is not valid.", detail={"fields": errors})
    return clean


def store_create(
    *,
    actor: User,
    merchant: Merchant,
    name: str,
    city: str,
    address: str,
    latitude: Any,
    longitude: Any,
    phone: str = "",
    opening_hours: str = "",
) -> Store:
    """A store at a GCJ-02 point (the coordinates Amap, Tencent Maps and WeChat use)."""
    _require_merchant_owner(actor, merchant.pk, "merchant")
    values = _clean_store_fields(dict(name=name, city=city, address=address, latitude=latitude,
                                      longitude=longitude, phone=phone, opening_hours=opening_hours), partial=False)
    return Store.objects.create(merchant=merchant, **values)


def store_update(
    *,
    actor: User,
    store: Store,
    name: str | None = None,
    city: str | None = None,
    address: str | None = None,
    latitude: Any = None,
    longitude: Any = None,
    phone: str | None = None,
    opening_hours: str | None = None,
    is_active: bool | None = None,
) -> Store:
    _require_merchant_owner(actor, store.merchant_id, "store")
    values = _clean_store_fields(dict(name=name, city=city, address=address, latitude=latitude,
                                      longitude=longitude, phone=phone, opening_hours=opening_hours,
                                      is_active=is_active), partial=True)
    with transaction.atomic():
        locked = lock_one(Store.objects.all(), store.pk)
        for field_name, value in values.items():
            setattr(locked, field_name, value)
        locked.save()
    return locked


def guide_create(*, actor: User, store: Store, phone: str, display_name: str, title: str = "",
                 wechat: str = "") -> Guide:
    """A guide of the store's merchant, with a login account (role guide) keyed by phone.

    The account has no password: guides log in with an SMS code. A phone already used by any
    account is refused (code "phone_taken") and nothing is created.
    """
    _require_merchant_owner(actor, store.merchant_id, "store")
    errors = {}
    display_name, err = clean_text(display_name, max_length=64)
    if err:
        errors["display_name"] = err
    title, err = clean_text(title, max_length=50, required=False)
    if err:
        errors["title"] = err
    wechat, err = clean_text(wechat, max_length=50, required=False)
    if err:
        errors["wechat"] = err
    if errors:
        raise InvalidInput("The guide is not valid.", detail={"fields": errors})
    phone = phone_normalize(phone)
    with transaction.atomic():
        if not Store.objects.filter(pk=store.pk, merchant_id=store.merchant_id).exists():
            raise NotFound("No such store.")
        # asked before the username (derived from the phone) so the answer names the real problem
        if User.objects.filter(phone=phone).exists():
            raise PhoneTaken("This phone number belongs to another account.", detail={"field": "phone"})
        user = staff_user_create(username=f"guide_{phone}", password=None, role=Role.GUIDE,
                                 tenant_id=store.merchant_id, display_name=display_name, phone=phone)
        return Guide.objects.create(user=user, merchant_id=store.merchant_id, store=store, title=title,
                                    phone=phone, wechat=wechat)


def guide_update(*, actor: User, guide: Guide, store: Store | None = None, title: str | None = None,
                 wechat: str | None = None, is_active: bool | None = None) -> Guide:
    """Move a guide to another store of the same merchant, retitle, or switch them off (also their login)."""
    _require_merchant_owner(actor, guide.merchant_id, "guide")
    if store is not None and store.merchant_id != guide.merchant_id:
        raise NotFound("No such store.")
    with transaction.atomic():
        locked = lock_one(Guide.objects.all(), guide.pk)
        if store is not None:
            locked.store = store
        for field_name, value, max_length in (("title", title, 50), ("wechat", wechat, 50)):
            if value is not None:
                text, err = clean_text(value, max_length=max_length, required=False)
                if err:
                    raise InvalidInput("The guide is not valid.", detail={"fields": {field_name: err}})
                setattr(locked, field_name, text)
        if is_active is not None:
            locked.is_active = bool(is_active)
            User.objects.filter(pk=locked.user_id).update(is_active=locked.is_active)
        locked.save()
    return locked
