"""Batches of events from the beacon script: validated whole, stored in one transaction.

Decisions (documented in docs/customers.md):
- A batch is all or nothing: one bad event refuses the batch with a 4xx naming the event's index
  and field, and nothing is stored. The script builds batches itself, so a bad one is a bug or a
  forgery, not a user's typo.
- `at` later than the server's clock (phones run fast) is clamped to the receive time; `at` older
  than MAX_AGE is refused (a real beacon is never that late, and old replays would reorder visits).
- `dwell_ms` is capped at MAX_DWELL_MS: a tab left open overnight is not an hour of interest.
- An unreadable share token is ignored (chat apps mangle links), not refused.
- Duplicates (same client id from the same visitor) are counted and skipped. The visitor's row is
  locked for the batch, so two copies of one batch racing count each event exactly once; on
  SQLite the IMMEDIATE transaction serialises writers to the same effect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from linkmall.accounts.models import User
from linkmall.core import clock
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.customers import tracking
from linkmall.customers.models import Event, Visitor
from linkmall.stores.models import Guide, Listing, Merchant, Store

MAX_EVENTS = 100
MAX_MERCHANTS = 3
MAX_AGE = timedelta(days=7)
MAX_DWELL_MS = 3_600_000
CLIENT_KINDS = ("card_view", "section_view", "product_view", "dwell", "share", "forward")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int
    consented: bool
    visitor: Visitor | None


def _refuse(index: int, field: str, message: str, code: str = "invalid_event") -> InvalidInput:
    return InvalidInput(message, code=code, detail={"index": index, "field": field})


def _check_shape(events: list[dict], now: datetime) -> None:
    if len(events) > MAX_EVENTS:
        raise InvalidInput(f"A batch holds at most {MAX_EVENTS} events.", code="too_many_events",
                           detail={"max": MAX_EVENTS, "got": len(events)})
    seen: set[str] = set()
    for i, event in enumerate(events):
        if not _CLIENT_ID.match(event["id"]):
            raise _refuse(i, "id", "An event id is 8 to 64 letters, digits, - or _.")
        if event["id"] in seen:
            raise _refuse(i, "id", "The same event id appears twice in the batch.")
        seen.add(event["id"])
        if event["kind"] not in CLIENT_KINDS:
            raise _refuse(i, "kind", f"Unknown event kind; use one of {', '.join(CLIENT_KINDS)}.", code="bad_kind")
        if event["at"] is not None and event["at"] < now - MAX_AGE:
            raise _refuse(i, "at", "The event is too old to record.", code="event_too_old")
    if len({e["merchant"] for e in events}) > MAX_MERCHANTS:
        raise InvalidInput(f"A batch covers at most {MAX_MERCHANTS} merchants.", code="too_many_merchants")


def _check_references(events: list[dict]) -> None:
    """Every id names a row of the event's merchant: 4 queries per batch, whatever its size."""
    merchants = {e["merchant"] for e in events}
    known = set(Merchant.objects.filter(pk__in=merchants).values_list("pk", flat=True))
    stores = dict(Store.objects.filter(pk__in={e["store"] for e in events if e["store"]})
                  .values_list("pk", "merchant_id"))
    guides = dict(Guide.objects.filter(pk__in={e["guide"] for e in events if e["guide"]})
                  .values_list("pk", "merchant_id"))
    product_ids = {e["product"] for e in events if e["product"]}
    listed = set(Listing.objects.filter(merchant_id__in=known, product_id__in=product_ids)
                 .values_list("merchant_id", "product_id").distinct()) if product_ids else set()
    for i, event in enumerate(events):
        merchant = event["merchant"]
        if merchant not in known:
            raise NotFound("No such merchant.", code="unknown_merchant", detail={"index": i, "field": "merchant"})
        if event["store"] and stores.get(event["store"]) != merchant:
            raise NotFound("No such store at this merchant.", code="unknown_store",
                           detail={"index": i, "field": "store"})
        if event["guide"] and guides.get(event["guide"]) != merchant:
            raise NotFound("No such guide at this merchant.", code="unknown_guide",
                           detail={"index": i, "field": "guide"})
        if event["product"] and (merchant, event["product"]) not in listed:
            raise NotFound("The merchant does not sell this product.", code="unknown_product",
                           detail={"index": i, "field": "product"})


def _sharers(events: list[dict]) -> dict[str, Visitor]:
    tokens = {e["shared_by"] for e in events if e["shared_by"]}
    pks = {}
    for token in tokens:
        visitor_pk = tracking.share_token_pk(token)
        if visitor_pk is not None:
            pks[token] = visitor_pk
    if not pks:
        return {}
    rows = Visitor.objects.in_bulk(set(pks.values()))
    return {token: rows[pk] for token, pk in pks.items() if pk in rows}


def _number_visits(visitor: Visitor, merchant_id: int, rows: list[Event]) -> None:
    """Visit numbers for new rows, from the visitor's stored events around them (2 queries)."""
    first = min(r.occurred_at for r in rows)
    last = max(r.occurred_at for r in rows)
    stored = Event.objects.filter(visitor=visitor, merchant_id=merchant_id)
    before = stored.filter(occurred_at__lte=first).order_by("-occurred_at", "-pk").values_list(
        "occurred_at", "visit_number")[:1]
    inside = stored.filter(occurred_at__gt=first, occurred_at__lte=last).values_list("occurred_at", "visit_number")
    timeline: list[tuple[datetime, int, Event | None]] = [(at, n, None) for at, n in [*before, *inside]]
    timeline += [(r.occurred_at, 0, r) for r in rows]
    # stored events sort before new ones at the same instant: a new one joins their visit
    timeline.sort(key=lambda item: (item[0], item[2] is not None))
    previous: tuple[datetime, int] | None = None
    for at, number, row in timeline:
        if row is not None:
            if previous is None:
                number = 1
            else:
                number = previous[1] if at - previous[0] <= tracking.VISIT_GAP else previous[1] + 1
            row.visit_number = number
        previous = (at, number)


def events_ingest(*, visitor: Visitor | None, events: list[dict], consent: bool | None = None,
                  user: User | None = None) -> IngestResult:
    """Store a beacon batch for `visitor` (created when consent is given and there is none).

    `events` are dicts with id, kind, merchant, store, guide, product, section, dwell_ms, at,
    shared_by (the API schema's fields). `user` is the logged-in consumer, if any.
    """
    now = clock.now()
    _check_shape(events, now)
    if events:
        _check_references(events)
    with transaction.atomic():
        if visitor is None and consent:
            visitor = tracking.visitor_create()
        if visitor is None:
            return IngestResult(0, 0, False, None)
        visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
        if consent is not None:
            tracking.visitor_consent(visitor=visitor, consent=consent)
        if user is not None and visitor.user_id is None:
            tracking.visitor_link_user(visitor=visitor, user=user)
        if visitor.consented_at is None or not events:
            return IngestResult(0, 0, visitor.consented_at is not None, visitor)
        accepted, duplicates = _store(visitor, events, now)
    return IngestResult(accepted, duplicates, True, visitor)


def _store(visitor: Visitor, events: list[dict], now: datetime) -> tuple[int, int]:
    keys = {tracking.client_dedupe_key(visitor, e["id"]): e for e in events}
    stored = set(Event.objects.filter(dedupe_key__in=list(keys)).values_list("dedupe_key", flat=True))
    fresh = [(key, e) for key, e in keys.items() if key not in stored]
    if not fresh:
        return 0, len(events)
    sharers = _sharers([e for _, e in fresh])
    rows = [
        Event(
            dedupe_key=key, kind=e["kind"], visitor=visitor, user_id=visitor.user_id, merchant_id=e["merchant"],
            store_id=e["store"], guide_id=e["guide"], product_id=e["product"], section=e["section"][:32],
            dwell_ms=min(max(e["dwell_ms"], 0), MAX_DWELL_MS), shared_by=sharers.get(e["shared_by"] or ""),
            occurred_at=min(e["at"], now) if e["at"] else now, received_at=now,
        )
        for key, e in fresh
    ]
    by_merchant: dict[int, list[Event]] = {}
    for row in rows:
        by_merchant.setdefault(row.merchant_id, []).append(row)
    for merchant_id, group in by_merchant.items():
        _number_visits(visitor, merchant_id, group)
    # ignore_conflicts: a server-side event_record with a caller's key cannot fail the batch
    Event.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    _share_edges(visitor, rows)
    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=now)
    if visitor.user is not None:  # no query when there is no user
        for merchant_id, group in by_merchant.items():
            latest = max(group, key=lambda r: r.occurred_at)
            guide_id = next((r.guide_id for r in reversed(group) if r.guide_id), None)
            tracking.profile_touch(merchant_id=merchant_id, user=visitor.user, guide_id=guide_id,
                                   seen_at=latest.occurred_at)
            tracking._rescore_later(merchant_id=merchant_id, user_id=visitor.user.pk)
    return len(rows), len(events) - len(rows)


def _share_edges(visitor: Visitor, rows: list[Event]) -> None:
    opens: dict[tuple[int, int], list] = {}
    for row in rows:
        if row.shared_by_id and row.shared_by_id != visitor.pk:
            entry = opens.setdefault((row.merchant_id, row.shared_by_id), [0, row.occurred_at])
            entry[0] += 1 if row.kind in tracking.OPEN_KINDS else 0
            entry[1] = min(entry[1], row.occurred_at)
    for (merchant_id, sharer_id), (count, first_at) in opens.items():
        tracking.share_edge_open(merchant_id=merchant_id, sharer_id=sharer_id, recipient_id=visitor.pk,
                                 opens=count, at=first_at)
