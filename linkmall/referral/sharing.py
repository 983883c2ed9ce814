"""Share links (分享链接): every consumer's stable share code, and first-touch binding by a visit.

A share code names its sharer without a table and without showing the user id: the id is
masked with a key derived from its own MAC (a synthetic-IV construction), so a code is stable
for one user, cannot be forged for another without SECRET_KEY, and says nothing about how many
users there are. Codes made under an old key still decode while it is in SECRET_KEY_FALLBACKS.

A visitor who arrives through a code is remembered in a signed cookie (see
linkmall.referral.middleware); when that visitor is a logged-in consumer the sharer becomes
their referrer, if they have none yet (first touch, spec §1). Self-referrals and cycles are
dropped silently: the visitor did nothing wrong by opening a link.
"""

import base64
import hmac
import logging

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from linkmall.accounts.models import Role, User
from linkmall.core.errors import Conflict
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import Promoter

logger = logging.getLogger("linkmall.referral")

#: the channels a visit can come through: the copied link, the QR code on the page, the poster
VISIT_CHANNELS = ("link", "qr", "poster")
ID_BYTES = 5  # user ids up to 2**40
TAG_BYTES = 6
CODE_LENGTH = 18  # base32 of ID_BYTES + TAG_BYTES, without padding
_SALT = "linkmall.referral.share"
#: binding errors a visitor never hears about
_SILENT_CODES = frozenset({"self_referral", "referral_cycle"})


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


def visit_channel(value: str | None) -> str:
    return value if value in VISIT_CHANNELS else "link"


def referral_bind_from_visit(*, user: User, code: str, via: str) -> bool:
    """Bind `user` to the sharer of `code` if `user` has no referrer yet. True when it bound.

    Nothing happens (False) for an unknown code, an inactive sharer or one who is not a
    consumer, a visitor who is not a consumer or already has a referrer, a self-referral or
    a binding that would close a cycle.
    """
    via = visit_channel(via)
    sharer_id = share_code_user_id(code)
    if sharer_id is None or not user.is_authenticated or user.role != Role.CONSUMER:
        return False
    if Promoter.objects.filter(user_id=user.pk, referrer__isnull=False).exists():
        return False  # the common case, answered without taking the graph lock
    sharer = User.objects.filter(pk=sharer_id, is_active=True, role=Role.CONSUMER).first()
    if sharer is None:
        return False
    try:
        return referral_bind(user=user, referrer=sharer, via=via)
    except Conflict as exc:
        if exc.code not in _SILENT_CODES:
            raise
        logger.info("share link of %s not bound for %s: %s", sharer.pk, user.pk, exc.code)
        return False


def share_url_for(*, user_id: int, via: str = "link") -> str:
    """The site-relative share link of a user; QR codes and posters say which one they are."""
    path = reverse("referral:share_visit", args=[share_code_for(user_id=user_id)])
    via = visit_channel(via)
    return path if via == "link" else f"{path}?via={via}"
