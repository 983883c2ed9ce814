"""Share links (分享链接): every consumer's stable share code, and first-touch binding by a visit.

The codes themselves are made and read in linkmall.accounts.sharecodes (re-exported here).

A visitor who arrives through a code is remembered in a signed cookie (see
linkmall.referral.middleware); when that visitor is a logged-in consumer the sharer becomes
their referrer, if they have none yet (first touch, spec §1). Self-referrals and cycles are
dropped silently: the visitor did nothing wrong by opening a link.
"""

import logging

from django.urls import reverse

from linkmall.accounts.models import Role, User
from linkmall.accounts.sharecodes import CODE_LENGTH, share_code_for, share_code_user_id
from linkmall.core.errors import Conflict
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import Promoter

logger = logging.getLogger("linkmall.referral")

#: the channels a visit can come through: the copied link, the QR code on the page, the poster,
#: a guide's business card shared on
VISIT_CHANNELS = ("link", "qr", "poster", "card")
#: binding errors a visitor never hears about
_SILENT_CODES = frozenset({"self_referral", "referral_cycle"})
__all__ = ["CODE_LENGTH", "VISIT_CHANNELS", "referral_bind_from_visit", "share_code_for", "share_code_user_id",
           "share_url_for", "visit_channel"]


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
