"""Business settings of accounts, read at call time so tests can change them."""

from typing import SupportsInt

from django.conf import settings

DEFAULTS = {
    "SMS_CODE_TTL_SECONDS": 300,
    "SMS_RESEND_SECONDS": 60,
    "SMS_MAX_PER_PHONE_PER_HOUR": 5,
    "SMS_MAX_ATTEMPTS": 5,
    "STAFF_LOGIN_MAX_FAILURES": 5,
    "STAFF_LOGIN_LOCK_MINUTES": 15,
    "API_TOKEN_TTL_DAYS": 30,
}


def conf(name: str) -> int:
    value = settings.LINKMALL.get(name, DEFAULTS[name])
    if not isinstance(value, str | SupportsInt):  # settings.LINKMALL also holds other things
        raise TypeError(f"settings.LINKMALL[{name!r}] must be a whole number, not {value!r}.")
    return int(value)
