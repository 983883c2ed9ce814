"""Every user's stable share code (分享码), for share links of any kind (promoter links, card links).

A share code names its sharer without a table and without showing the user id: the id is
masked with a key derived from its own MAC (a synthetic-IV construction), so a code is stable
for one user, cannot be forged for another without SECRET_KEY, and says nothing about how many
users there are. Codes made under an old key still decode while it is in SECRET_KEY_FALLBACKS.
It lives in accounts so that every app above it (cards, referral) can build and read links.
"""

import base64
import hmac

from django.conf import settings
from django.utils.crypto import salted_hmac

ID_BYTES = 5  # user ids up to 2**40
TAG_BYTES = 6
CODE_LENGTH = 18  # base32 of ID_BYTES + TAG_BYTES, without padding
# the salt keeps its historical name: changing it would break every link already shared
_SALT = "linkmall.referral.share"


def _secrets() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _tag(raw_id: bytes, secret: str) -> bytes:
    return salted_hmac(f"{_SALT}.tag", raw_id, secret=secret, algorithm="sha256").digest()[:TAG_BYTES]


def _mask(tag: bytes, secret: str) -> bytes:
    return salted_hmac(f"{_SALT}.mask", tag, secret=secret, algorithm="sha256").digest()[:ID_BYTES]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def share_code_for(*, user_id: int) -> str:
    """The user's share code: 18 lowercase letters and digits, the same every time."""
    if not 0 < user_id < 2 ** (8 * ID_BYTES):
        raise ValueError(f"user id {user_id} cannot be encoded")
    raw_id = user_id.to_bytes(ID_BYTES, "big")
    secret = settings.SECRET_KEY
    tag = _tag(raw_id, secret)
    token = tag + _xor(raw_id, _mask(tag, secret))
    return base64.b32encode(token).decode().rstrip("=").lower()


def share_code_user_id(code: str) -> int | None:
    """The sharer's user id, or None when `code` is not a code this site made."""
    if not isinstance(code, str) or len(code) != CODE_LENGTH:
        return None
    try:
        token = base64.b32decode(code.upper() + "=" * (-CODE_LENGTH % 8))
    except (ValueError, TypeError):
        return None
    tag, masked = token[:TAG_BYTES], token[TAG_BYTES:]
    for secret in _secrets():
        raw_id = _xor(masked, _mask(tag, secret))
        if hmac.compare_digest(_tag(raw_id, secret), tag):
            user_id = int.from_bytes(raw_id, "big")
            return user_id or None
    return None
