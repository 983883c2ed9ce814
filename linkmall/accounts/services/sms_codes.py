"""Phone + SMS code login.

A code is 6 random digits, stored only as an HMAC keyed with SECRET_KEY (a leaked table does
not give working codes). Only the newest code of a phone counts. It dies when used, when it
expires, or after SMS_MAX_ATTEMPTS wrong guesses, so guessing a code has a one in 200 000
chance per code, and a phone gets at most SMS_MAX_PER_PHONE_PER_HOUR codes an hour.
"""

import math
import re
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import constant_time_compare, salted_hmac

from linkmall.accounts.conf import conf
from linkmall.accounts.errors import (
    AccountDisabled,
    CodeExhausted,
    CodeExpired,
    InvalidCode,
    PasswordLoginRequired,
    PhoneTaken,
    SmsRateLimited,
    SmsSendFailed,
)
from linkmall.accounts.models import Role, SmsCode, SmsThrottle, User
from linkmall.accounts.services.users import consumer_get_or_create, phone_normalize
from linkmall.accounts.sms import SmsSendError, get_sms_backend
from linkmall.core import clock
from linkmall.core.errors import DomainError
from linkmall.core.locking import lock_one

CODE_RE = re.compile(r"^\d{6}$")

#: roles that may log in with a phone code; supplier and platform staff need their password
SMS_LOGIN_ROLES = (Role.CONSUMER, Role.GUIDE, Role.MERCHANT_OWNER)


def _code_hash(phone: str, code: str) -> str:
    return salted_hmac("linkmall.accounts.sms_code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _seconds_until(moment) -> int:
    return max(1, math.ceil((moment - clock.now()).total_seconds()))


def sms_code_request(*, phone: str) -> None:
    """Send a new login code to `phone`, within the resend cooldown and the hourly limit."""
    phone = phone_normalize(phone)
    now = clock.now()
    resend = timedelta(seconds=conf("SMS_RESEND_SECONDS"))
    per_hour = conf("SMS_MAX_PER_PHONE_PER_HOUR")
    ttl_seconds = conf("SMS_CODE_TTL_SECONDS")
    with transaction.atomic():
        # The per-phone row serializes requests for one phone, so two simultaneous requests
        # cannot both pass the limits below.
        throttle, _ = SmsThrottle.objects.get_or_create(phone=phone)
        throttle = lock_one(SmsThrottle.objects.all(), throttle.pk)
        if throttle.last_sent_at is not None and now < throttle.last_sent_at + resend:
            raise SmsRateLimited(
                "Please wait before asking for another code.",
                detail={"reason": "resend_cooldown",
                        "retry_after_seconds": _seconds_until(throttle.last_sent_at + resend)},
            )
        window_start = now - timedelta(hours=1)
        sent_this_hour = list(
            SmsCode.objects.filter(phone=phone, created_at__gt=window_start)
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        if len(sent_this_hour) >= per_hour:
            frees_at = sent_this_hour[len(sent_this_hour) - per_hour] + timedelta(hours=1)
            raise SmsRateLimited(
                "Too many codes for this phone; try again later.",
                detail={"reason": "hourly_limit", "retry_after_seconds": _seconds_until(frees_at)},
            )
        code = f"{secrets.randbelow(1_000_000):06d}"
        SmsCode.objects.create(
            phone=phone, code_hash=_code_hash(phone, code), created_at=now,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
        SmsThrottle.objects.filter(pk=throttle.pk).update(last_sent_at=now)
        try:
            get_sms_backend().send_code(phone=phone, code=code, ttl_seconds=ttl_seconds)
        except SmsSendError as exc:
            # Rolling back keeps the quota: the user did not get a code.
            raise SmsSendFailed("The SMS could not be sent; try again.", detail={"reason": str(exc)}) from exc


def _sms_code_check(*, phone: str, code: str) -> DomainError | None:
    """Consume the newest code of `phone` if `code` matches it, else count a wrong guess.

    Returns the error to raise instead of raising it, so the caller can let the wrong-guess
    count commit before raising.
    """
    now = clock.now()
    max_attempts = conf("SMS_MAX_ATTEMPTS")
    row = SmsCode.objects.filter(phone=phone).order_by("-created_at", "-pk").first()
    if row is None or row.used_at is not None:
        return InvalidCode("The code is not valid; request a new one.", detail={"field": "code"})
    if row.expires_at <= now:
        return CodeExpired("The code has expired; request a new one.", detail={"field": "code"})
    if row.attempts >= max_attempts:
        return CodeExhausted("Too many wrong codes; request a new one.", detail={"field": "code"})
    if not constant_time_compare(row.code_hash, _code_hash(phone, code)):
        counted = SmsCode.objects.filter(pk=row.pk, used_at__isnull=True, attempts__lt=max_attempts).update(
            attempts=F("attempts") + 1
        )
        if not counted:
            return CodeExhausted("Too many wrong codes; request a new one.", detail={"field": "code"})
        return InvalidCode(
            "The code is wrong.", detail={"field": "code", "attempts_left": max(0, max_attempts - row.attempts - 1)}
        )
    # Two requests with the right code both get here; the guard on used_at lets one win.
    consumed = SmsCode.objects.filter(
        pk=row.pk, used_at__isnull=True, attempts__lt=max_attempts, expires_at__gt=now
    ).update(used_at=now)
    if consumed != 1:
        return InvalidCode("The code is not valid; request a new one.", detail={"field": "code"})
    return None


def _clean_code(code: str) -> str:
    code = (code or "").strip() if isinstance(code, str) else ""
    if not CODE_RE.match(code):
        raise InvalidCode("The code is 6 digits.", detail={"field": "code"})
    return code


def sms_login(*, phone: str, code: str) -> User:
    """Log in with a phone code: the account with this phone, or a new consumer."""
    phone = phone_normalize(phone)
    code = _clean_code(code)
    with transaction.atomic():
        error = _sms_code_check(phone=phone, code=code)
        if error is None:
            user = User.objects.filter(phone=phone).first() or consumer_get_or_create(phone=phone)
            if user.role not in SMS_LOGIN_ROLES:
                raise PasswordLoginRequired("This account logs in with its password.")
            if not user.is_active:
                raise AccountDisabled("This account is disabled.")
            User.objects.filter(pk=user.pk).update(last_login=clock.now())
            user.last_login = clock.now()
    if error is not None:
        raise error
    return user


def consumer_phone_bind(*, user: User, phone: str, code: str) -> User:
    """Attach a phone, proved by its SMS code, to an account that logged in another way (WeChat)."""
    phone = phone_normalize(phone)
    code = _clean_code(code)
    with transaction.atomic():
        error = _sms_code_check(phone=phone, code=code)
        if error is None:
            user = lock_one(User.objects.all(), user.pk)
            if user.phone != phone:
                if User.objects.filter(phone=phone).exclude(pk=user.pk).exists():
                    raise PhoneTaken("This phone number belongs to another account.", detail={"field": "phone"})
                try:
                    with transaction.atomic():
                        User.objects.filter(pk=user.pk).update(phone=phone)
                except IntegrityError:  # another account took the phone a moment ago
                    raise PhoneTaken("This phone number belongs to another account.",
                                     detail={"field": "phone"}) from None
                user.phone = phone
    if error is not None:
        raise error
    return user
