"""Row builders for the scoring tests and the benchmark: visitors, events and purchases written
directly (fast, explicit), like linkmall.testing does for the other apps."""

import itertools
from datetime import datetime, timedelta

from linkmall.core import clock
from linkmall.customers.models import Event, Purchase, ShareEdge, Visitor

_seq = itertools.count(1)


def make_visitor(user=None) -> Visitor:
    n = next(_seq)
    return Visitor.objects.create(key=f"v{n:030d}", user=user, consented_at=clock.now())


def add_events(visitor: Visitor, merchant_id: int, kind: str, *, count: int = 1, days_ago: float = 1,
               dwell_ms: int = 0, visit_number: int = 1, at: datetime | None = None) -> None:
    at = at or clock.now() - timedelta(days=days_ago)
    Event.objects.bulk_create([
        Event(dedupe_key=f"t{next(_seq)}", kind=kind, visitor=visitor, user_id=visitor.user_id,
              merchant_id=merchant_id, dwell_ms=dwell_ms, visit_number=visit_number, occurred_at=at)
        for _ in range(count)
    ])


def add_purchase(user, merchant_id: int, amount_fen: int, *, days_ago: float = 1, refunded_fen: int = 0,
                 at: datetime | None = None) -> Purchase:
    return Purchase.objects.create(
        merchant_id=merchant_id, user=user, source=Purchase.Source.IMPORT, reference=f"p{next(_seq)}",
        amount_fen=amount_fen, refunded_fen=refunded_fen, occurred_at=at or clock.now() - timedelta(days=days_ago),
    )


def add_share(merchant_id: int, sharer: Visitor, recipient: Visitor) -> ShareEdge:
    return ShareEdge.objects.create(merchant_id=merchant_id, sharer=sharer, recipient=recipient)
