"""Creating staff and consumers."""

import re
import secrets

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from linkmall.accounts.errors import InvalidPhone, PhoneTaken, UsernameTaken
from linkmall.accounts.models import ROLE_TENANT_KIND, Role, Tenant, User
from linkmall.core.errors import InvalidInput

#: mainland China mobile numbers: 11 digits, 1 then 3–9
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
USERNAME_RE = re.compile(r"^[\w.@+-]{1,64}$")
STAFF_ROLES = (Role.PLATFORM, Role.SUPPLIER_STAFF, Role.MERCHANT_OWNER, Role.GUIDE)


def phone_normalize(phone: str) -> str:
    """"139 0000 1111", "+86 139-0000-1111" → "13900001111"; anything else is refused."""
    if not isinstance(phone, str):
        raise InvalidPhone("Enter a mainland China mobile number.", detail={"field": "phone"})
    digits = re.sub(r"[\s-]", "", phone)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not PHONE_RE.match(digits):
        raise InvalidPhone("Enter a mainland China mobile number.", detail={"field": "phone"})
    return digits


def phone_mask(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def _random_username(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(6)}"


def staff_tenant_check(*, role: str, tenant_id: int | None) -> Tenant | None:
    """Platform staff have no tenant; every other staff role belongs to a tenant of its kind."""
    if role == Role.PLATFORM:
        if tenant_id is not None:
            raise InvalidInput("Platform staff belong to no tenant.", code="invalid_tenant",
                               detail={"field": "tenant_id"})
        return None
    tenant = Tenant.objects.filter(pk=tenant_id).first() if tenant_id is not None else None
    if tenant is None or tenant.kind != ROLE_TENANT_KIND[Role(role)]:
        raise InvalidInput(f"A {role} needs a {ROLE_TENANT_KIND[Role(role)]} tenant.", code="invalid_tenant",
                           detail={"field": "tenant_id"})
    return tenant


def staff_user_create(
    *,
    username: str,
    password: str | None,
    role: str,
    tenant_id: int | None = None,
    display_name: str = "",
    phone: str | None = None,
    superuser: bool = False,
) -> User:
    """Create a staff account. `password=None` makes an account that can only log in by phone
    code (guides, merchant owners). Only platform staff may use the Django admin."""
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise InvalidInput("Username: up to 64 letters, digits and . @ + - _", code="invalid_username",
                           detail={"field": "username"})
    if role not in STAFF_ROLES:
        raise InvalidInput("Not a staff role.", code="invalid_role", detail={"field": "role", "role": role})
    if superuser and role != Role.PLATFORM:
        raise InvalidInput("Only platform staff may be superusers.", code="invalid_role", detail={"field": "role"})
    staff_tenant_check(role=role, tenant_id=tenant_id)
    phone = phone_normalize(phone) if phone else None
    user = User(
        username=username, role=role, tenant_id=tenant_id, display_name=display_name.strip()[:64], phone=phone,
        is_staff=role == Role.PLATFORM, is_superuser=superuser,
    )
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise InvalidInput("The password is too weak.", code="weak_password",
                               detail={"field": "password", "errors": list(exc.messages)}) from None
        user.set_password(password)
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise UsernameTaken("This username is taken.", detail={"field": "username"})
        if phone and User.objects.filter(phone=phone).exists():
            raise PhoneTaken("This phone number belongs to another account.", detail={"field": "phone"})
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # lost a race with a simultaneous create of the same name or phone
            raise UsernameTaken("This username or phone is taken.", detail={"field": "username"}) from None
    return user


def system_user(*, username: str, display_name: str) -> User:
    """A platform account that the system acts as (an automatic refund, a guarantee): platform staff
    that can never log in (inactive, no usable password), made on first use."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": Role.PLATFORM, "is_active": False, "is_staff": False, "display_name": display_name},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def consumer_get_or_create(*, phone: str, display_name: str = "") -> User:
    """The consumer with this phone, created on first sight. A phone that belongs to a staff
    account is refused: a consumer login must never become a staff session."""
    phone = phone_normalize(phone)
    with transaction.atomic():
        # get_or_create survives a simultaneous first login: the loser of the unique-phone race
        # reads the winner's row.
        user, _ = User.objects.get_or_create(
            phone=phone,
            defaults={
                "username": _random_username("c"),
                "role": Role.CONSUMER,
                "display_name": display_name.strip()[:64] or phone_mask(phone),
                "password": make_password(None),
            },
        )
    if user.role != Role.CONSUMER:
        raise PhoneTaken("This phone number belongs to a staff account.", detail={"field": "phone"})
    return user


def consumer_get_or_create_by_openid(*, openid: str, unionid: str | None = None) -> User:
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            wechat_openid=openid,
            defaults={
                "username": _random_username("wx"),
                "role": Role.CONSUMER,
                "display_name": "微信用户",
                "wechat_unionid": unionid,
                "password": make_password(None),
            },
        )
        if not created and unionid and user.wechat_unionid != unionid:
            User.objects.filter(pk=user.pk).update(wechat_unionid=unionid)
            user.wechat_unionid = unionid
    return user
