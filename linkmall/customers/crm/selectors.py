"""Reads of the customer console: the filtered list, one customer's timeline and interests."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from linkmall.catalog.models import Product
from linkmall.core import clock
from linkmall.core.errors import InvalidInput
from linkmall.customers.crm.access import CrmScope, profiles_in_scope
from linkmall.customers.models import Event, Layer, Note, Profile, ProfileTag, Purchase, Reminder, Tag
from linkmall.customers.tracking import SECTION_NAMES

GRADES = ("A", "B", "C", "D")
#: the timeline shows this many recent events; older history is summarised by the scores
TIMELINE_EVENTS = 500
#: interest weights: a product view, a second of (capped) dwell on it, a purchase of it
VIEW_WEIGHT, DWELL_WEIGHT_PER_S, DWELL_CAP_S, PURCHASE_WEIGHT = 1.0, 1 / 30, 300, 5.0


def profile_list(scope: CrmScope, *, layer: str = "", grade: str = "", tag: str = "", q: str = "") -> QuerySet:
    """The customers the user may see, filtered; most recently seen first. Tags come prefetched."""
    if layer and layer not in Layer.values:
        raise InvalidInput("Unknown layer.", code="bad_filter", detail={"field": "layer", "allowed": Layer.values})
    if grade and grade not in GRADES:
        raise InvalidInput("Unknown intent grade.", code="bad_filter", detail={"field": "grade", "allowed": GRADES})
    rows = profiles_in_scope(scope)
    if layer:
        rows = rows.filter(layer=layer)
    if grade:
        rows = rows.filter(intent_grade=grade)
    if tag:
        rows = rows.filter(profile_tags__tag__name=tag[:32])
    q = q.strip()[:40]
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(user__display_name__icontains=q) | Q(user__phone__contains=q))
    return (
        rows.select_related("user", "guide__user")
        .prefetch_related(Prefetch("profile_tags", ProfileTag.objects.select_related("tag").order_by("tag__name")))
        .order_by("-last_seen_at", "-pk")
    )


def merchant_tags(scope: CrmScope) -> list[Tag]:
    return list(Tag.objects.filter(merchant_id=scope.merchant_id).order_by("kind", "name"))


def category_interests(profile: Profile) -> dict[str, float]:
    """Category name -> weight (the strongest is 1.0), from product views weighted by dwell, and
    purchases. Three queries whatever the history's length."""
    weights: dict[int, float] = defaultdict(float)
    seen = (
        Event.objects.filter(merchant_id=profile.merchant_id, user_id=profile.user_id, product__isnull=False)
        .values("product_id")
        .annotate(views=Count("pk", filter=Q(kind=Event.Kind.PRODUCT_VIEW)), dwell=Sum("dwell_ms"))
    )
    for row in seen:
        dwell_s = min((row["dwell"] or 0) / 1000, DWELL_CAP_S)
        weights[row["product_id"]] += row["views"] * VIEW_WEIGHT + dwell_s * DWELL_WEIGHT_PER_S
    for product_ids in Purchase.objects.filter(merchant_id=profile.merchant_id, user_id=profile.user_id).values_list(
        "product_ids", flat=True
    ):
        for product_id in product_ids or []:
            weights[int(product_id)] += PURCHASE_WEIGHT
    if not weights:
        return {}
    by_category: dict[str, float] = defaultdict(float)
    for product_id, category in Product.objects.filter(pk__in=list(weights)).values_list("pk", "category__name"):
        by_category[category] += weights[product_id]
    top = max(by_category.values(), default=0) or 1
    return dict(sorted(((name, round(w / top, 2)) for name, w in by_category.items()), key=lambda kv: (-kv[1], kv[0])))


@dataclass
class TimelineItem:
    at: datetime
    kind: str  # visit, share, forward, book, ask, purchase, note
    title: str = ""
    detail: str = ""
    products: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    dwell_s: int = 0
    ended_at: datetime | None = None
    amount_fen: int = 0
    refunded_fen: int = 0
    follow_up: bool = False
    author: str = ""


def timeline(profile: Profile) -> list[TimelineItem]:
    """Everything the merchant knows happened with this customer, newest first: visits (views,
    sections and dwell grouped per visit), shares, bookings, questions, purchases and notes."""
    events = list(
        Event.objects.filter(merchant_id=profile.merchant_id, user_id=profile.user_id)
        .order_by("-occurred_at", "-pk")[:TIMELINE_EVENTS]
        .values("kind", "visitor_id", "visit_number", "product_id", "section", "dwell_ms", "occurred_at")
    )
    names = dict(Product.objects.filter(pk__in={e["product_id"] for e in events if e["product_id"]})
                 .values_list("pk", "name"))
    items: list[TimelineItem] = []
    visits: dict[tuple[int, int], TimelineItem] = {}
    for e in reversed(events):  # oldest first, so a visit starts at its first event
        if e["kind"] in (Event.Kind.SHARE, Event.Kind.FORWARD, Event.Kind.BOOK, Event.Kind.ASK):
            # a booking's or a question's section is the card's technical key: the kind says it all
            items.append(TimelineItem(at=e["occurred_at"], kind=e["kind"],
                                      products=[names[e["product_id"]]] if e["product_id"] in names else []))
            continue
        visit = visits.get((e["visitor_id"], e["visit_number"]))
        if visit is None:
            visit = visits[(e["visitor_id"], e["visit_number"])] = TimelineItem(at=e["occurred_at"], kind="visit")
            items.append(visit)
        visit.ended_at = e["occurred_at"]
        visit.dwell_s += e["dwell_ms"] // 1000
        name = names.get(e["product_id"])
        if name and name not in visit.products:
            visit.products.append(name)
        section = SECTION_NAMES.get(e["section"], e["section"])
        if section and section not in visit.sections:
            visit.sections.append(section)
    for p in Purchase.objects.filter(merchant_id=profile.merchant_id, user_id=profile.user_id).order_by("-occurred_at"):
        items.append(TimelineItem(at=p.occurred_at, kind="purchase", title=p.reference, amount_fen=p.amount_fen,
                                  refunded_fen=p.refunded_fen, detail=p.get_source_display()))
    for n in Note.objects.filter(profile=profile).select_related("author").order_by("-created_at"):
        items.append(TimelineItem(at=n.created_at, kind="note", detail=n.body, follow_up=n.is_follow_up,
                                  author=n.author.display_name or n.author.username))
    items.sort(key=lambda item: item.at, reverse=True)
    return items


def profile_tags(profile: Profile) -> list[ProfileTag]:
    return list(ProfileTag.objects.filter(profile=profile).select_related("tag").order_by("tag__kind", "tag__name"))


def profile_reminders(profile: Profile) -> list[Reminder]:
    return list(Reminder.objects.filter(profile=profile).order_by("done_at", "due_at", "pk"))


def reminders_due(scope: CrmScope, *, within: timedelta = timedelta(days=7)) -> list[Reminder]:
    """Open reminders due by `within` from now, overdue first: the guide's own, or all for an owner."""
    rows = Reminder.objects.filter(profile__merchant_id=scope.merchant_id, done_at__isnull=True,
                                   due_at__lte=clock.now() + within)
    if scope.guide_id is not None:
        rows = rows.filter(Q(guide_id=scope.guide_id) | Q(guide__isnull=True, profile__guide_id=scope.guide_id))
    return list(rows.select_related("profile__user", "guide__user").order_by("due_at", "pk"))
