"""Bearer tokens of the mini-program and other API clients. Only their SHA-256 is stored."""

import secrets
from datetime import timedelta

from linkmall.accounts.auth import token_hash
from linkmall.accounts.conf import conf
from linkmall.accounts.errors import AccountDisabled
from linkmall.accounts.models import ApiToken, User
from linkmall.core import clock


def api_token_issue(*, user: User) -> str:
    """A new random token for `user`, valid for API_TOKEN_TTL_DAYS. The caller hands it to the
    client once; it cannot be read back."""
    if not user.is_active:
        raise AccountDisabled("This account is disabled.")
    key = secrets.token_urlsafe(32)
    now = clock.now()
    ApiToken.objects.create(
        key_hash=token_hash(key), user=user, created_at=now, expires_at=now + timedelta(days=conf("API_TOKEN_TTL_DAYS"))
    )
    return key


def api_token_revoke(*, key: str) -> bool:
    """Revoke the token `key`. False when it was unknown or already revoked."""
    live = ApiToken.objects.filter(key_hash=token_hash(key), revoked_at__isnull=True)
    return live.update(revoked_at=clock.now()) == 1


def api_token_revoke_all(*, user: User) -> int:
    """Revoke every live token of `user` (password change, account disabled). Returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
