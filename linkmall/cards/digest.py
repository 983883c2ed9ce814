"""A guide's daily digest (日报): what yesterday's radar amounted to, and what is due today.

`digest_build` makes one guide's digest of one day once: the (guide, day) unique constraint makes
a second run — a retried task, the command run by hand, two workers — return the stored one.
Days are calendar days in the shop's time zone (settings.TIME_ZONE, Asia/Shanghai).

Scheduling: `digest_schedule` keeps exactly one pending daily task, due at DIGEST_HOUR (08:00)
the next morning. That task enqueues one task per active guide (each idempotent, so a failure of
one guide's digest never blocks the others) and then schedules the next morning's run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from linkmall.accounts.models import User
from linkmall.cards.models import Appointment, Digest, Question
from linkmall.cards.radar import masked_phone, visitor_tag
from linkmall.core import clock
from linkmall.customers.models import Event, Profile, Reminder
from linkmall.stores.models import Guide

DIGEST_HOUR = 8
TOP = 5
#: what one event of a kind says about a customer's interest today (dwell counts per minute)
ENGAGEMENT: dict[str, float] = {
    Event.Kind.CARD_VIEW: 1, Event.Kind.SECTION_VIEW: 0.5, Event.Kind.PRODUCT_VIEW: 2, Event.Kind.SHARE: 4,
    Event.Kind.FORWARD: 3, Event.Kind.BOOK: 8, Event.Kind.ASK: 3,
}
GRADE_RANK = {"A": 4, "B": 3, "C": 2, "D": 1}


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def yesterday() -> date:
    return clock.today() - timedelta(days=1)


def next_digest_time(now: datetime | None = None) -> datetime:
    """The next DIGEST_HOUR o'clock in the shop's time zone, strictly after `now`."""
    local = timezone.localtime(now or clock.now())
    at = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    return at if at > local else at + timedelta(days=1)


# --- making the digest ----------------------------------------------------------------------


def digest_build(*, guide_id: int, day: date) -> Digest:
    """The guide's digest of `day`, made now if it does not exist yet."""
    existing = Digest.objects.filter(guide_id=guide_id, day=day).first()
    if existing is not None:
        return existing
    guide = Guide.objects.select_related("user").get(pk=guide_id)
    body = digest_body(guide=guide, day=day)
    try:
        with transaction.atomic():
            return Digest.objects.create(guide=guide, day=day, body=body, created_at=clock.now())
    except IntegrityError:  # another run made it first; theirs stands
        return Digest.objects.get(guide_id=guide_id, day=day)


def digest_body(*, guide: Guide, day: date) -> dict:
    start, end = local_day_bounds(day)
    today_end = end + timedelta(days=1)
    events = list(
        Event.objects.filter(guide=guide, occurred_at__gte=start, occurred_at__lt=end)
        .select_related("visitor", "product").order_by("id")
    )
    visitor_ids = {e.visitor_id for e in events}
    first_seen = (
        Event.objects.filter(merchant_id=guide.merchant_id, visitor_id__in=visitor_ids)
        .values("visitor_id").annotate(first=Min("occurred_at")).filter(first__gte=start)
    ) if visitor_ids else []
    new_visitors = len(list(first_seen))
    names = _Names(guide.merchant_id, events)
    bookings_made = Appointment.objects.filter(guide=guide, created_at__gte=start, created_at__lt=end).count()
    bookings_today = [
        {"name": names.for_user(a.user_id), "time": timezone.localtime(a.starts_at).strftime("%H:%M"),
         "store": a.store.name}
        for a in Appointment.objects.filter(guide=guide, status=Appointment.Status.BOOKED, starts_at__gte=end,
                                            starts_at__lt=today_end).select_related("store").order_by("starts_at")
    ]
    reminders = list(
        Reminder.objects.filter(guide=guide, done_at__isnull=True, due_at__lt=today_end)
        .select_related("profile").order_by("due_at")[:10]
    )
    reminders_due = Reminder.objects.filter(guide=guide, done_at__isnull=True, due_at__lt=today_end).count()
    return {
        "day": day.isoformat(),
        "visitors": len(visitor_ids),
        "new_visitors": new_visitors,
        "events": len(events),
        "card_views": sum(1 for e in events if e.kind == Event.Kind.CARD_VIEW),
        "shares": sum(1 for e in events if e.kind in (Event.Kind.SHARE, Event.Kind.FORWARD)),
        "questions": sum(1 for e in events if e.kind == Event.Kind.ASK),
        "top_products": _top_products(events),
        "hottest": _hottest(events, names),
        "bookings_made": bookings_made,
        "bookings_today": bookings_today,
        "reminders_due": reminders_due,
        "reminders": [
            {"body": r.body, "due": timezone.localtime(r.due_at).strftime("%m-%d %H:%M"),
             "profile_id": r.profile_id, "name": r.profile.name or names.for_user(r.profile.user_id)}
            for r in reminders
        ],
        "questions_waiting": Question.objects.filter(card__guide=guide, handed_off=True,
                                                     answered_by_guide_at__isnull=True).count(),
    }


def _top_products(events: list[Event]) -> list[dict]:
    views: Counter = Counter()
    visitors: dict[int, set] = defaultdict(set)
    dwell: Counter = Counter()
    names: dict[int, str] = {}
    for e in events:
        if not e.product_id or e.product is None:
            continue
        names[e.product_id] = e.product.name
        if e.kind == Event.Kind.PRODUCT_VIEW:
            views[e.product_id] += 1
            visitors[e.product_id].add(e.visitor_id)
        elif e.kind == Event.Kind.DWELL:
            dwell[e.product_id] += e.dwell_ms
    ranked = sorted(views, key=lambda p: (-views[p], -len(visitors[p]), -dwell[p], p))[:TOP]
    return [{"product_id": p, "name": names[p], "views": views[p], "visitors": len(visitors[p]),
             "dwell_ms": dwell[p]} for p in ranked]


def _hottest(events: list[Event], names: _Names) -> list[dict]:
    """Customers of the day by intent grade first (the model's view), then by today's engagement."""
    # adds up like a Counter (ints while only whole points come in), but holds the fractional minutes too
    score: defaultdict[tuple, float] = defaultdict(int)
    dwell: Counter = Counter()
    for e in events:
        person = names.person_key(e)
        score[person] += ENGAGEMENT.get(e.kind, 0)
        if e.kind == Event.Kind.DWELL:
            dwell[person] += e.dwell_ms
            score[person] += e.dwell_ms / 60_000
    rows: list[dict[str, Any]] = []
    for person, value in score.items():
        profile = names.profile_of(person)
        rows.append({
            "name": names.name_of(person), "grade": profile.intent_grade if profile else "",
            "layer": profile.layer if profile else "", "profile_id": profile.pk if profile else None,
            "engagement": round(value, 1), "dwell_ms": dwell[person],
        })
    rows.sort(key=lambda r: (-GRADE_RANK.get(r["grade"], 0), -r["engagement"], r["name"]))
    return rows[:TOP]


@dataclass
class _Names:
    """Who each event's person is: a known consumer (by user) or an anonymous visitor."""

    merchant_id: int
    events: list

    def __post_init__(self):
        users = {e.user_id or e.visitor.user_id for e in self.events} - {None}
        self.profiles = {p.user_id: p for p in Profile.objects.filter(merchant_id=self.merchant_id, user_id__in=users)}
        self.users = {u.pk: u for u in User.objects.filter(pk__in=users).only("pk", "display_name", "phone")}
        self.tags = {e.visitor_id: visitor_tag(e.visitor.key) for e in self.events}

    def person_key(self, e: Event) -> tuple:
        user_id = e.user_id or e.visitor.user_id
        return ("u", user_id) if user_id else ("v", e.visitor_id)

    def profile_of(self, person: tuple) -> Profile | None:
        return self.profiles.get(person[1]) if person[0] == "u" else None

    def name_of(self, person: tuple) -> str:
        if person[0] == "u":
            return self.for_user(person[1])
        return f"访客 {self.tags[person[1]]}"

    def for_user(self, user_id: int) -> str:
        profile = self.profiles.get(user_id)
        if profile is None:
            profile = Profile.objects.filter(merchant_id=self.merchant_id, user_id=user_id).only("name").first()
        if profile is not None and profile.name:
            return profile.name
        user = self.users.get(user_id) or User.objects.filter(pk=user_id).only("display_name", "phone").first()
        if user is not None and not user.display_name and user.phone:
            return masked_phone(user.phone)
        return (user.display_name if user else "") or "顾客"


# --- reading --------------------------------------------------------------------------------


def digest_list(*, guide_id: int, limit: int = 14) -> list[Digest]:
    return list(Digest.objects.filter(guide_id=guide_id).order_by("-day")[:limit])


def digest_totals(*, guide_id: int, days: int = 7) -> dict:
    """Sums over the last `days` stored digests, for the page's week line."""
    rows = Digest.objects.filter(guide_id=guide_id).order_by("-day")[:days]
    return {"days": len(rows), "visitors": sum(d.body.get("visitors", 0) for d in rows),
            "new_visitors": sum(d.body.get("new_visitors", 0) for d in rows)}


def digest_guides() -> list[int]:
    """Every active guide: a quiet day still gets a digest (its reminders and bookings matter)."""
    return list(Guide.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
