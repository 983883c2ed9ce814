"""Behaviour tracking: visitors, events, the share graph and the profile of a known consumer.

Entry points other apps call (contracts.md): `visitor_for_request`, `visitor_ensure`,
`visitor_share_token` / `visitor_from_share_token`, `event_record`, `profile_touch`,
`purchase_record` (re-exported from customers.purchases).

Consent: behaviour traces (views, dwell, shares) are stored only for a visitor who said yes to the
notice. A booking or a question (kinds book and ask) is an explicit request of the customer, who
hands over the data to get the service, so it is recorded without tracking consent — the guide
needs it to serve them — but it does not turn on tracking of anything else.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F

from linkmall.accounts.models import Role, User
from linkmall.core import clock
from linkmall.customers.models import Event, Profile, ShareEdge, Visitor

VISITOR_COOKIE = "lm_vid"
#: readable by track.js so it knows whether to show the notice; the server stays authoritative
CONSENT_COOKIE = "lm_consent"
VISITOR_COOKIE_AGE = 365 * 24 * 3600
#: a new visit starts after this much silence from the visitor at that merchant
VISIT_GAP = timedelta(minutes=30)
#: events the customer makes on purpose: recorded without tracking consent (see module doc)
EXPLICIT_KINDS = frozenset({Event.Kind.BOOK, Event.Kind.ASK})
#: events that are a page opened through a share link: each adds one open to the share edge
OPEN_KINDS = frozenset({Event.Kind.CARD_VIEW, Event.Kind.PRODUCT_VIEW, Event.Kind.FORWARD})

_SHARE_SALT = "linkmall.customers.share"


#: names of the card sections track.js reports (data-track-section), for the radar and the timeline
SECTION_NAMES = {
    "products": "推荐商品", "featured": "推荐商品", "promotions": "优惠活动", "promotion": "优惠活动",
    "contact": "联系方式", "store": "门店信息", "booking": "预约到店", "assistant": "智能问答", "bio": "个人介绍",
}


# --- visitors -------------------------------------------------------------------------------


def _new_key() -> str:
    return secrets.token_hex(16)


def visitor_for_request(request) -> Visitor | None:
    key = request.COOKIES.get(VISITOR_COOKIE, "")
    if not key or len(key) != 32:
        return None
    return Visitor.objects.filter(key=key).first()


def _known_consumer(request) -> User | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.role == Role.CONSUMER:
        return user
    return None


def set_visitor_cookies(response, visitor: Visitor) -> None:
    response.set_cookie(VISITOR_COOKIE, visitor.key, max_age=VISITOR_COOKIE_AGE, httponly=True, samesite="Lax")
    if visitor.consented_at is not None:
        response.set_cookie(CONSENT_COOKIE, "1", max_age=VISITOR_COOKIE_AGE, samesite="Lax")


def visitor_create(*, user: User | None = None) -> Visitor:
    """A new visitor with no cookie yet: for a consumer reached without a browser (the mini-program,
    a booking made through the API, the demo), or an anonymous browser's first request."""
    return Visitor.objects.create(key=_new_key(), user=user)


def visitor_ensure(request, response) -> Visitor:
    """The request's visitor, created (and its cookie set on `response`) when missing.

    A logged-in consumer is linked to the visitor, and the visitor's past events become theirs.
    A browser that another consumer used before gets a fresh visitor, so two people's histories
    never mix.
    """
    visitor = visitor_for_request(request)
    consumer = _known_consumer(request)
    if visitor is not None and consumer is not None and visitor.user_id not in (None, consumer.pk):
        visitor = None
    if visitor is None:
        visitor = visitor_create(user=consumer)
    elif consumer is not None and visitor.user_id is None:
        visitor_link_user(visitor=visitor, user=consumer)
    set_visitor_cookies(response, visitor)
    return visitor


def visitor_link_user(*, visitor: Visitor, user: User) -> Visitor:
    """The anonymous visitor logged in: their past events (and profiles at those merchants) are theirs."""
    with transaction.atomic():
        Visitor.objects.filter(pk=visitor.pk).update(user=user)
        visitor.user = user
        Event.objects.filter(visitor=visitor, user__isnull=True).update(user=user)
        latest_guides: dict[int, int | None] = {}
        for merchant_id, guide_id in (
            Event.objects.filter(visitor=visitor).order_by("occurred_at", "pk").values_list("merchant_id", "guide_id")
        ):
            if guide_id or merchant_id not in latest_guides:
                latest_guides[merchant_id] = guide_id
        for merchant_id, latest_guide_id in latest_guides.items():
            profile_touch(merchant_id=merchant_id, user=user, guide_id=latest_guide_id)
            _rescore_later(merchant_id=merchant_id, user_id=user.pk)
    return visitor


def visitor_consent(*, visitor: Visitor, consent: bool) -> Visitor:
    """Record the answer to the notice. Saying no (or withdrawing) deletes the traces kept so far."""
    with transaction.atomic():
        if consent:
            if visitor.consented_at is None:
                visitor.consented_at = clock.now()
                Visitor.objects.filter(pk=visitor.pk).update(consented_at=visitor.consented_at)
        else:
            visitor.consented_at = None
            Visitor.objects.filter(pk=visitor.pk).update(consented_at=None)
            Event.objects.filter(visitor=visitor).exclude(kind__in=EXPLICIT_KINDS).delete()
    return visitor


def visitor_share_token(visitor: Visitor) -> str:
    """A signed public id of the visitor for share links: never the cookie key itself."""
    return signing.Signer(salt=_SHARE_SALT, sep=".").sign(_b36(visitor.pk))


def share_token_pk(token: str | None) -> int | None:
    """The visitor id a share token names, or None when it is not one we signed (no query)."""
    if not token or len(token) > 100:
        return None
    try:
        return int(signing.Signer(salt=_SHARE_SALT, sep=".").unsign(token), 36)
    except (signing.BadSignature, ValueError):
        return None


def visitor_from_share_token(token: str | None) -> Visitor | None:
    pk = share_token_pk(token)
    return None if pk is None else Visitor.objects.filter(pk=pk).first()


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def client_dedupe_key(visitor: Visitor, client_id: str) -> str:
    # namespaced by visitor, so one browser's ids can never collide with (or block) another's
    return hashlib.sha256(f"{visitor.key}:{client_id}".encode()).hexdigest()


# --- events ---------------------------------------------------------------------------------


def next_visit_number(*, visitor_id: int, merchant_id: int, at: datetime) -> int:
    """The visit an event at `at` belongs to: the previous event's, or the next one after silence.

    A late event (a beacon sent after the page closed) joins the visit around it; visits already
    numbered are never renumbered.
    """
    previous = (
        Event.objects.filter(visitor_id=visitor_id, merchant_id=merchant_id, occurred_at__lte=at)
        .order_by("-occurred_at", "-pk")
        .values_list("occurred_at", "visit_number")
        .first()
    )
    if previous is None:
        return 1
    previous_at, number = previous
    return number if at - previous_at <= VISIT_GAP else number + 1


def share_edge_open(*, merchant_id: int, sharer_id: int, recipient_id: int, opens: int = 1,
                    at: datetime | None = None) -> None:
    """Upsert sharer → recipient at a merchant, adding `opens`. No self edges."""
    if sharer_id == recipient_id:
        return
    edge = ShareEdge.objects.filter(merchant_id=merchant_id, sharer_id=sharer_id, recipient_id=recipient_id)
    if edge.update(opens=F("opens") + opens):
        return
    try:
        with transaction.atomic():
            ShareEdge.objects.create(merchant_id=merchant_id, sharer_id=sharer_id, recipient_id=recipient_id,
                                     opens=opens, first_at=at or clock.now())
            return
    except IntegrityError:
        pass  # another request created it first: add our opens to theirs
    edge.update(opens=F("opens") + opens)


def event_record(*, visitor: Visitor, kind: str, merchant_id: int, store_id: int | None = None,
                 guide_id: int | None = None, product_id: int | None = None, section: str = "",
                 dwell_ms: int = 0, occurred_at: datetime | None = None, shared_by: Visitor | None = None,
                 dedupe_key: str | None = None) -> Event | None:
    """Record one event server-side. Returns the stored event (the earlier one for a repeated
    dedupe_key), or None when the visitor has not consented to tracking (nothing stored)."""
    if kind not in Event.Kind.values:
        raise ValueError(f"unknown event kind {kind!r}")
    if visitor.consented_at is None and kind not in EXPLICIT_KINDS:
        return None
    now = clock.now()
    at = occurred_at or now
    key = dedupe_key or uuid.uuid4().hex
    existing = Event.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            event = Event.objects.create(
                dedupe_key=key, kind=kind, visitor=visitor, user_id=visitor.user_id, merchant_id=merchant_id,
                store_id=store_id, guide_id=guide_id, product_id=product_id, section=section[:32],
                dwell_ms=max(0, int(dwell_ms)), shared_by=shared_by, occurred_at=at, received_at=now,
                visit_number=next_visit_number(visitor_id=visitor.pk, merchant_id=merchant_id, at=at),
            )
            if shared_by is not None:
                share_edge_open(merchant_id=merchant_id, sharer_id=shared_by.pk, recipient_id=visitor.pk,
                                opens=1 if kind in OPEN_KINDS else 0, at=at)
            Visitor.objects.filter(pk=visitor.pk, last_seen_at__lt=now).update(last_seen_at=now)
            if visitor.user is not None:  # no query when there is no user
                profile_touch(merchant_id=merchant_id, user=visitor.user, guide_id=guide_id, seen_at=at)
                _rescore_later(merchant_id=merchant_id, user_id=visitor.user.pk)
    except IntegrityError:
        # the same dedupe_key won a race with us: the earlier event stands, nothing is doubled
        return Event.objects.get(dedupe_key=key)
    return event


# --- profiles -------------------------------------------------------------------------------


def profile_touch(*, merchant_id: int, user: User, guide_id: int | None = None,
                  seen_at: datetime | None = None) -> Profile:
    """The consumer's profile at the merchant, created once however many requests race.

    The first guide who meets the customer looks after them; a later guide does not take over.
    """
    seen = seen_at or clock.now()
    profile = Profile.objects.filter(merchant_id=merchant_id, user=user).first()
    if profile is None:
        try:
            with transaction.atomic():
                profile = Profile.objects.create(
                    merchant_id=merchant_id, user=user, guide_id=guide_id, name=_display_name(user),
                    first_seen_at=seen, last_seen_at=seen,
                )
                return profile
        except IntegrityError:
            profile = Profile.objects.get(merchant_id=merchant_id, user=user)
    rows = Profile.objects.filter(pk=profile.pk)
    if seen < profile.first_seen_at:  # a late event, or history imported after the first visit
        rows.filter(first_seen_at__gt=seen).update(first_seen_at=seen)
        profile.first_seen_at = seen
    if profile.last_seen_at is None or profile.last_seen_at < seen:
        rows.filter(last_seen_at__lt=seen).update(last_seen_at=seen)
        rows.filter(last_seen_at__isnull=True).update(last_seen_at=seen)
        profile.last_seen_at = seen
    if guide_id and profile.guide_id is None:
        if rows.filter(guide__isnull=True).update(guide_id=guide_id):
            profile.guide_id = guide_id
        else:
            profile.refresh_from_db(fields=["guide"])
    return profile


def _display_name(user: User) -> str:
    return (user.display_name or "")[:64]


def _rescore_later(*, merchant_id: int, user_id: int) -> None:
    # imported here: scoring reads profiles and events, so it sits above tracking
    from linkmall.customers.scoring import profile_rescore_later

    profile_rescore_later(merchant_id=merchant_id, user_id=user_id)


def purchase_record(*, order):
    from linkmall.customers.purchases import purchase_record as record

    return record(order=order)
