"""Per-customer behaviour and purchase aggregates at a cutoff time, straight from SQL.

One GROUP BY over a merchant's events in the 30 days before the cutoff and one over its
purchases give every number the intent model, the grade rules and the layer scores need. The
same SQL serves one customer (`profile_rescore`), a training cutoff and a 1M-customer recompute,
so a single rescore and a full run agree.

Events belong to the consumer their visitor is linked to now (a visitor that logs in later
brings its earlier anonymous visits along); an event whose visitor has no user falls back to the
event's own user, and events of anonymous visitors belong to nobody.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db import connection
from django.db.models import F

from linkmall.customers.models import Event, Purchase, Visitor

EVENT_WINDOW_DAYS = 30  # behaviour older than this says little about intent or engagement
RFM_WINDOW_DAYS = 365  # frequency and monetary look back one year
LABEL_DAYS = 14  # the intent label: ordered within 14 days after the cutoff

# event columns, each summed over a customer's visitors
EVENT_COLUMNS = (
    "last_event_at",  # epoch seconds of the latest event in the window (max, not sum)
    "visits_30d", "visits_7d",  # visits (sessions after 30 min of silence) in the window
    "card_views_30d", "product_views_30d", "product_views_7d",
    "dwell_s_30d", "dwell_s_7d",
    "shares_30d", "books_30d", "books_14d", "asks_30d",
)
PURCHASE_COLUMNS = (
    "orders_all", "orders_365d", "orders_14d", "monetary_365d", "last_order_at",
)


@dataclass
class Features:
    """Columns aligned with `user_ids` (ascending); zero where a customer has no such activity."""

    cutoff: datetime
    user_ids: np.ndarray
    cols: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.user_ids)

    def row(self, user_id: int) -> dict[str, float] | None:
        i = np.searchsorted(self.user_ids, user_id)
        if i >= len(self.user_ids) or self.user_ids[i] != user_id:
            return None
        return {name: float(col[i]) for name, col in self.cols.items()}


def _epoch(expr: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {expr})::bigint"
    return f"CAST(ROUND((julianday({expr}) - 2440587.5) * 86400) AS INTEGER)"


def _db_time(at: datetime):
    return connection.ops.adapt_datetimefield_value(at)


def _event_sql(user_filter: str) -> str:
    e, v = Event._meta.db_table, Visitor._meta.db_table
    # visits: visit_number counts a visitor's visits to the merchant, so max - min + 1 over a
    # window is the number of visits in it without a COUNT(DISTINCT ...)
    return f"""
        SELECT a.visitor_id, COALESCE(v.user_id, a.event_user_id), a.last_at,
               a.v30, a.v7, a.cv30, a.pv30, a.pv7, a.d30, a.d7, a.sh30, a.bk30, a.bk14, a.ask30
        FROM (
            SELECT visitor_id, MAX(user_id) AS event_user_id, {_epoch("MAX(occurred_at)")} AS last_at,
                MAX(visit_number) - MIN(visit_number) + 1 AS v30,
                COALESCE(MAX(CASE WHEN occurred_at >= %(t7)s THEN visit_number END)
                         - MIN(CASE WHEN occurred_at >= %(t7)s THEN visit_number END) + 1, 0) AS v7,
                SUM(CASE WHEN kind = 'card_view' THEN 1 ELSE 0 END) AS cv30,
                SUM(CASE WHEN kind = 'product_view' THEN 1 ELSE 0 END) AS pv30,
                SUM(CASE WHEN kind = 'product_view' AND occurred_at >= %(t7)s THEN 1 ELSE 0 END) AS pv7,
                SUM(dwell_ms) AS d30,
                SUM(CASE WHEN occurred_at >= %(t7)s THEN dwell_ms ELSE 0 END) AS d7,
                SUM(CASE WHEN kind = 'share' THEN 1 ELSE 0 END) AS sh30,
                SUM(CASE WHEN kind = 'book' THEN 1 ELSE 0 END) AS bk30,
                SUM(CASE WHEN kind = 'book' AND occurred_at >= %(t14)s THEN 1 ELSE 0 END) AS bk14,
                SUM(CASE WHEN kind = 'ask' THEN 1 ELSE 0 END) AS ask30
            FROM {e}
            WHERE merchant_id = %(merchant)s AND occurred_at >= %(since)s AND occurred_at < %(until)s {user_filter}
            GROUP BY visitor_id
        ) a LEFT JOIN {v} v ON v.id = a.visitor_id
        WHERE COALESCE(v.user_id, a.event_user_id) IS NOT NULL
    """


def _purchase_sql(user_filter: str) -> str:
    p = Purchase._meta.db_table
    # a fully refunded purchase is no purchase; a partly refunded one counts at its net amount
    return f"""
        SELECT user_id, COUNT(*),
               SUM(CASE WHEN occurred_at >= %(t365)s THEN 1 ELSE 0 END),
               SUM(CASE WHEN occurred_at >= %(t14)s THEN 1 ELSE 0 END),
               SUM(CASE WHEN occurred_at >= %(t365)s THEN amount_fen - refunded_fen ELSE 0 END),
               {_epoch("MAX(occurred_at)")}
        FROM {p}
        WHERE merchant_id = %(merchant)s AND occurred_at < %(until)s AND refunded_fen < amount_fen {user_filter}
        GROUP BY user_id
    """


def _fetch(sql: str, params: dict, width: int) -> np.ndarray:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        chunks = []
        while rows := cursor.fetchmany(200_000):
            chunks.append(np.array(rows, dtype=np.float64).reshape(-1, width))
    if not chunks:
        return np.zeros((0, width))
    return np.concatenate(chunks)


def features_at(*, merchant_id: int, cutoff: datetime, user_id: int | None = None,
                include_users: np.ndarray | None = None) -> Features:
    """Aggregates of every customer of the merchant (or of one) over the windows before `cutoff`.

    `include_users` adds customers with no activity in the windows (all zero), e.g. the
    merchant's existing profiles.
    """
    params = {
        "merchant": merchant_id,
        "since": _db_time(cutoff - timedelta(days=EVENT_WINDOW_DAYS)),
        "until": _db_time(cutoff),
        "t7": _db_time(cutoff - timedelta(days=7)),
        "t14": _db_time(cutoff - timedelta(days=LABEL_DAYS)),
        "t365": _db_time(cutoff - timedelta(days=RFM_WINDOW_DAYS)),
        "user": user_id,
    }
    v = Visitor._meta.db_table
    event_filter = purchase_filter = ""
    if user_id is not None:
        event_filter = f"AND (user_id = %(user)s OR visitor_id IN (SELECT id FROM {v} WHERE user_id = %(user)s))"
        purchase_filter = "AND user_id = %(user)s"
    events = _fetch(_event_sql(event_filter), params, 14)
    purchases = _fetch(_purchase_sql(purchase_filter), params, 6)
    if user_id is not None:
        events = events[events[:, 1] == user_id]  # a visitor shared by two users keeps its linked one

    parts = [events[:, 1].astype(np.int64), purchases[:, 0].astype(np.int64)]
    if include_users is not None:
        parts.append(np.asarray(include_users, dtype=np.int64))
    users = np.unique(np.concatenate(parts))
    n = len(users)
    cols: dict[str, np.ndarray] = {}

    ev_idx = np.searchsorted(users, events[:, 1].astype(np.int64))
    last = np.zeros(n)
    np.maximum.at(last, ev_idx, events[:, 2])
    cols["last_event_at"] = last
    for j, name in enumerate(EVENT_COLUMNS[1:], start=3):
        cols[name] = np.bincount(ev_idx, weights=events[:, j], minlength=n).astype(np.float64)
    cols["dwell_s_30d"] /= 1000.0
    cols["dwell_s_7d"] /= 1000.0

    pu_idx = np.searchsorted(users, purchases[:, 0].astype(np.int64))
    for j, name in enumerate(PURCHASE_COLUMNS, start=1):
        col = np.zeros(n)
        col[pu_idx] = purchases[:, j]
        cols[name] = col
    return Features(cutoff=cutoff, user_ids=users, cols=cols)


def ordered_within(*, merchant_id: int, start: datetime, days: int = LABEL_DAYS) -> np.ndarray:
    """Users with a (not fully refunded) purchase in [start, start + days): the intent label."""
    rows = (
        Purchase.objects.filter(merchant_id=merchant_id, occurred_at__gte=start,
                                occurred_at__lt=start + timedelta(days=days))
        .exclude(refunded_fen__gte=F("amount_fen"))
        .values_list("user_id", flat=True).distinct()
    )
    return np.unique(np.fromiter(rows, dtype=np.int64))

