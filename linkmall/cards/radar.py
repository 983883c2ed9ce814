"""The customer radar (客户雷达): a guide's behaviour events as feed lines a person reads.

Reads only (a selector). A guide sees the events of their own card (Event.guide_id); a merchant
owner may watch every guide of the merchant. Every read goes through `(guide_id, id)` — the
event_guide_feed index — so the stream's "anything after id N?" poll is one index range scan.

A `dwell` event is the time spent on a page the visitor opened before: it is folded into the
line of that view (same visitor, same product — or the card — and same visit) instead of being
a line of its own. Each item therefore has two ids: `id`, the newest event it covers (the
stream's cursor), and `key`, the view event it stands for (the page replaces the line with that
key when a later dwell updates it).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linkmall.accounts.models import Role, User
from linkmall.cards.models import Appointment, Question
from linkmall.core import clock
from linkmall.core.errors import NotFound, PermissionDenied
from linkmall.customers.models import Event, Profile, ShareEdge
from linkmall.customers.tracking import SECTION_NAMES
from linkmall.stores.models import Guide

VIEW_KINDS = (Event.Kind.CARD_VIEW, Event.Kind.PRODUCT_VIEW)
MAX_ITEMS = 100

@dataclass(frozen=True)
class RadarScope:
    """Whose events a viewer may watch: the guides, and the viewer's own guide (None for an owner)."""

    merchant_id: int
    guide_ids: tuple[int, ...]
    own_guide_id: int | None


def radar_scope_for(*, user: User | None, guide_id: int | None = None) -> RadarScope:
    """A guide watches their own card; a merchant owner all guides of the merchant, or one of them."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Log in as a guide or a merchant owner.")
    if user.role == Role.GUIDE:
        guide = Guide.objects.filter(user=user).only("pk", "merchant_id").first()
        if guide is None or (guide_id is not None and guide_id != guide.pk):
            raise NotFound("No such guide.")
        return RadarScope(merchant_id=guide.merchant_id, guide_ids=(guide.pk,), own_guide_id=guide.pk)
    if user.role == Role.MERCHANT_OWNER and user.tenant_id:
        guides = Guide.objects.filter(merchant_id=user.tenant_id).order_by("pk")
        if guide_id is not None:
            guides = guides.filter(pk=guide_id)
        ids = tuple(guides.values_list("pk", flat=True))
        if guide_id is not None and not ids:
            raise NotFound("No such guide.")
        return RadarScope(merchant_id=user.tenant_id, guide_ids=ids, own_guide_id=None)
    raise PermissionDenied("Only guides and merchant owners have a radar.")


def _events(scope: RadarScope):
    return (
        Event.objects.filter(guide_id__in=scope.guide_ids)
        .select_related("visitor", "product", "user", "shared_by", "guide__user")
    )


def radar_latest(*, scope: RadarScope, limit: int = 50) -> list[dict]:
    """The newest lines, newest first (the page's first screen and the API without a cursor)."""
    limit = max(1, min(limit, MAX_ITEMS))
    events = list(_events(scope).order_by("-id")[:limit])
    events.reverse()
    items = _fold(events, scope)
    return sorted(items, key=lambda item: item["id"], reverse=True)


def radar_today(*, scope: RadarScope, limit: int = 50) -> list[dict]:
    """The newest lines of today (the shop's calendar day), newest first: the guide's workbench."""
    limit = max(1, min(limit, MAX_ITEMS))
    start = timezone.localtime(clock.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    events = list(_events(scope).filter(occurred_at__gte=start).order_by("-id")[:limit])
    events.reverse()
    items = _fold(events, scope)
    return sorted(items, key=lambda item: item["id"], reverse=True)


def radar_since(*, scope: RadarScope, after: int, limit: int = 50) -> list[dict]:
    """Lines for the events after `after`, oldest first: what the stream sends next."""
    limit = max(1, min(limit, MAX_ITEMS))
    events = list(_events(scope).filter(id__gt=max(0, after)).order_by("id")[:limit])
    return sorted(_fold(events, scope), key=lambda item: item["id"])


def radar_last_id(*, scope: RadarScope) -> int:
    """The newest event id in scope: where a fresh stream starts when it asks for no history."""
    return Event.objects.filter(guide_id__in=scope.guide_ids).order_by("-id").values_list("id", flat=True).first() or 0


# --- folding and formatting ---------------------------------------------------------------


def _fold_key(event: Event) -> tuple:
    return (event.visitor_id, event.product_id, event.visit_number)


def _fold(events: list[Event], scope: RadarScope) -> list[dict]:
    """Events (ascending id) to items: each dwell joins the view it belongs to."""
    views: dict[tuple, dict] = {}
    items: list[dict] = []
    orphans: list[Event] = []
    for event in events:
        if event.kind == Event.Kind.DWELL:
            item = views.get(_fold_key(event))
            if item is None:
                orphans.append(event)
            else:
                item["_dwell_ms"] += event.dwell_ms
                item["id"] = event.id
            continue
        item = {"id": event.id, "key": event.id, "_event": event, "_dwell_ms": 0}
        items.append(item)
        if event.kind in VIEW_KINDS:
            views[_fold_key(event)] = item
    items.extend(_fold_orphans(orphans, scope))
    return _render(items, scope)


def _fold_orphans(orphans: list[Event], scope: RadarScope) -> list[dict]:
    """Dwells whose view came in an earlier batch: the view's line again, with its total dwell."""
    if not orphans:
        return []
    last_id = max(event.id for event in orphans)
    visitors = {event.visitor_id for event in orphans}
    candidates = list(
        _events(scope).filter(visitor_id__in=visitors, kind__in=VIEW_KINDS, id__lt=last_id).order_by("id")
    )
    latest_view: dict[tuple, Event] = {}
    for view in candidates:
        latest_view[_fold_key(view)] = view
    totals = {
        (row["visitor_id"], row["product_id"], row["visit_number"]): row["total"]
        for row in Event.objects.filter(guide_id__in=scope.guide_ids, kind=Event.Kind.DWELL, visitor_id__in=visitors,
                                        id__lte=last_id)
        .values("visitor_id", "product_id", "visit_number").annotate(total=Sum("dwell_ms"))
    }
    items: dict[int, dict] = {}
    for dwell in orphans:
        view = latest_view.get(_fold_key(dwell))
        if view is None:  # its view is gone (retention) or never came: the dwell stands alone
            items[-dwell.id] = {"id": dwell.id, "key": dwell.id, "_event": dwell, "_dwell_ms": dwell.dwell_ms}
            continue
        item = items.setdefault(view.id, {"id": dwell.id, "key": view.id, "_event": view,
                                          "_dwell_ms": totals.get(_fold_key(view), 0)})
        item["id"] = max(item["id"], dwell.id)
    return list(items.values())


def visitor_tag(key: str) -> str:
    """A short masked tag for an anonymous visitor: stable, and never the cookie key itself."""
    return hashlib.blake2b(key.encode(), digest_size=2, person=b"lm-radar").hexdigest().upper()


def masked_phone(phone: str) -> str:
    """A known customer without a name, as the customer console shows them: 139****5001."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else phone


def duration_text(ms: int) -> str:
    seconds = (ms + 500) // 1000
    if seconds < 60:
        return _("%(n)s 秒") % {"n": seconds}
    return _("%(n)s 分钟") % {"n": (seconds + 30) // 60}


def _render(items: list[dict], scope: RadarScope) -> list[dict]:
    events = [item["_event"] for item in items]
    users = {e.user_id or e.visitor.user_id for e in events} | {
        e.shared_by.user_id for e in events if e.shared_by_id and e.shared_by.user_id}
    users.discard(None)
    profiles = {
        p.user_id: p for p in Profile.objects.filter(merchant_id=scope.merchant_id, user_id__in=users)
        .only("pk", "user_id", "name", "intent_grade", "layer")
    } if users else {}
    people = {u.pk: u for u in User.objects.filter(pk__in=users).only("pk", "display_name", "phone")} if users else {}
    context = _Context(scope=scope, profiles=profiles, people=people, events=events)
    out = []
    for item in items:
        event = item["_event"]
        user_id = event.user_id or event.visitor.user_id
        profile = profiles.get(user_id)
        out.append({
            "id": item["id"], "key": item["key"], "kind": event.kind,
            "line": context.line(event, item["_dwell_ms"]),
            "name": context.name(event.visitor, user_id),
            "grade": profile.intent_grade if profile else "",
            "layer": profile.layer if profile else "",
            "profile_id": profile.pk if profile else None,
            "guide_id": event.guide_id,
            "guide": (event.guide.user.display_name or event.guide.user.username) if event.guide else "",
            "product_id": event.product_id,
            "dwell_ms": item["_dwell_ms"],
            "visit": event.visit_number,
            "at": timezone.localtime(event.occurred_at).isoformat(),
            "time": timezone.localtime(event.occurred_at).strftime("%H:%M"),
        })
    return out


class _Context:
    """What the lines of one batch need besides the events, each fetched with one query when used."""

    def __init__(self, *, scope: RadarScope, profiles: dict, people: dict, events: list[Event]):
        self.scope, self.profiles, self.people, self.events = scope, profiles, people, events
        self._shares: dict | None = None
        self._bookings: dict | None = None
        self._questions: dict | None = None

    def name(self, visitor, user_id: int | None) -> str:
        profile = self.profiles.get(user_id)
        if profile is not None and profile.name:
            return profile.name
        person = self.people.get(user_id)
        if person is not None and person.display_name:
            return person.display_name
        if person is not None and person.phone:
            return masked_phone(person.phone)
        return _("访客 %(tag)s") % {"tag": visitor_tag(visitor.key)}

    def card(self, event: Event) -> str:
        if self.scope.own_guide_id is not None and event.guide_id == self.scope.own_guide_id:
            return _("你的名片")
        guide = event.guide.user if event.guide else None
        return _("%(guide)s的名片") % {"guide": (guide.display_name or guide.username) if guide else ""}

    def line(self, event: Event, dwell_ms: int) -> str:
        who = self.name(event.visitor, event.user_id or event.visitor.user_id)
        card = self.card(event)
        kind = event.kind
        product = event.product.name if event.product_id and event.product else ""
        if kind == Event.Kind.PRODUCT_VIEW or (kind == Event.Kind.DWELL and product):
            text = _("%(who)s 浏览了 %(product)s") % {"who": who, "product": product}
            text += (" " + duration_text(dwell_ms)) if dwell_ms >= 500 else ""
            return text + self._visit(event)
        if kind == Event.Kind.CARD_VIEW:
            if event.shared_by is not None:  # no query when there is no sharer
                sharer = self.name(event.shared_by, event.shared_by.user_id)
                text = _("%(who)s 通过 %(sharer)s 的分享打开了%(card)s") % {"who": who, "sharer": sharer, "card": card}
            else:
                text = _("%(who)s 打开了%(card)s") % {"who": who, "card": card}
            text += (" · " + _("停留 %(d)s") % {"d": duration_text(dwell_ms)}) if dwell_ms >= 500 else ""
            return text + self._visit(event)
        if kind == Event.Kind.DWELL:
            return _("%(who)s 在%(card)s停留了 %(d)s") % {"who": who, "card": card, "d": duration_text(dwell_ms)}
        if kind == Event.Kind.SECTION_VIEW:
            section = SECTION_NAMES.get(event.section, event.section)
            return _("%(who)s 查看了%(card)s的「%(section)s」") % {"who": who, "card": card, "section": section}
        if kind == Event.Kind.SHARE:
            if product:
                return _("%(who)s 分享了 %(product)s") % {"who": who, "product": product}
            return _("%(who)s 分享了%(card)s") % {"who": who, "card": card}
        if kind == Event.Kind.FORWARD:
            if event.shared_by is not None:
                sharer = self.name(event.shared_by, event.shared_by.user_id)
                friends = self.shares().get(event.shared_by.pk, 1)
                return _("%(who)s 把%(card)s分享给了 %(n)s 位朋友") % {"who": sharer, "card": card, "n": friends}
            return _("%(who)s 通过转发打开了%(card)s") % {"who": who, "card": card}
        if kind == Event.Kind.BOOK:
            starts_at = self.bookings().get(event.id)
            if starts_at is None:
                return _("%(who)s 预约了到店") % {"who": who}
            return _("%(who)s 预约了 %(when)s 到店") % {
                "who": who, "when": timezone.localtime(starts_at).strftime("%m-%d %H:%M")}
        if kind == Event.Kind.ASK:
            question = self.questions().get(event.id)
            if question is None:
                return _("%(who)s 向智能助手提了一个问题") % {"who": who}
            text = _("%(who)s 问：%(q)s") % {"who": who, "q": _short(question.text, 40)}
            return text + (" · " + _("待你回答") if question.handed_off and not question.answered_by_guide_at else "")
        return f"{who} {event.get_kind_display()}"

    @staticmethod
    def _visit(event: Event) -> str:
        return (" · " + _("第 %(n)s 次访问") % {"n": event.visit_number}) if event.visit_number > 1 else ""

    def shares(self) -> dict[int, int]:
        """How many friends each sharer of this batch has brought to the merchant so far."""
        if self._shares is None:
            sharers = {e.shared_by_id for e in self.events if e.kind == Event.Kind.FORWARD and e.shared_by_id}
            self._shares = dict(
                ShareEdge.objects.filter(merchant_id=self.scope.merchant_id, sharer_id__in=sharers)
                .values("sharer_id").annotate(n=Count("recipient_id")).values_list("sharer_id", "n")
            ) if sharers else {}
        return self._shares

    def bookings(self) -> dict[int, datetime]:
        """Each book event's slot: the booking its dedupe key names (`book:<id>`), else the
        customer's latest booking at that store made at or before the event."""
        if self._bookings is None:
            books = [e for e in self.events if e.kind == Event.Kind.BOOK]
            self._bookings = {}
            ids = {_trailing_int(e.dedupe_key) for e in books} - {None}
            users = {e.user_id or e.visitor.user_id for e in books} - {None}
            if books:
                rows = list(
                    Appointment.objects.filter(Q(pk__in=ids) | Q(user_id__in=users),
                                               store__merchant_id=self.scope.merchant_id)
                    .order_by("created_at", "pk").values_list("pk", "user_id", "store_id", "starts_at", "created_at")
                )
                for event in books:
                    user_id = event.user_id or event.visitor.user_id
                    wanted = _trailing_int(event.dedupe_key)
                    exact = [r for r in rows if r[0] == wanted]
                    match = [r for r in rows if user_id and r[1] == user_id
                             and (event.store_id is None or r[2] == event.store_id)]
                    before = [r for r in match if r[4] <= event.received_at]
                    chosen = exact or before or match
                    if chosen:
                        self._bookings[event.id] = chosen[-1][3]
        return self._bookings

    def questions(self) -> dict[int, Question]:
        """Each ask event's question: the assistant records it as section `q<question id>`."""
        if self._questions is None:
            wanted = {e.id: _trailing_int(e.section) for e in self.events if e.kind == Event.Kind.ASK}
            found = {q.pk: q for q in Question.objects.filter(pk__in={v for v in wanted.values() if v})
                     .only("pk", "text", "handed_off", "answered_by_guide_at")}
            self._questions = {event_id: found[q] for event_id, q in wanted.items() if q in found}
        return self._questions


def _trailing_int(text: str) -> int | None:
    match = re.search(r"(\d+)$", text or "")
    return int(match.group(1)) if match else None


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
