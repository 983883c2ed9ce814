"""Reads about accounts."""

from django.conf import settings

from linkmall.accounts.conf import conf
from linkmall.accounts.models import Role, User

#: where each role lands after logging in (keyed by `User.role`, a plain string)
ROLE_HOME: dict[str, str] = {
    Role.PLATFORM: "/ops/referral/",
    Role.SUPPLIER_STAFF: "/console/supplier/",
    Role.MERCHANT_OWNER: "/console/merchant/",
    Role.GUIDE: "/guide/",
    Role.CONSUMER: "/",
}

STAFF_LOGIN_URL = "/staff/login/"


def user_home_url(*, user: User) -> str:
    return ROLE_HOME.get(user.role, "/")


def login_url_for_roles(*roles: str) -> str:
    """The login page for a page open to `roles`: the phone-code page when consumers may enter."""
    return settings.LOGIN_URL if Role.CONSUMER in roles else STAFF_LOGIN_URL


def sms_code_policy() -> dict[str, int]:
    return {
        "expires_in_seconds": conf("SMS_CODE_TTL_SECONDS"),
        "resend_after_seconds": conf("SMS_RESEND_SECONDS"),
    }


def api_token_ttl_seconds() -> int:
    return conf("API_TOKEN_TTL_DAYS") * 86400
