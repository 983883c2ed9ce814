"""Per-customer behaviour and purchase aggregates at a cutoff time, straight from SQL.

One GROUP BY over a merchant's events in the 30 days before the cutoff and one over its
purchases give every number the intent model, the grade rules and the layer scores need. The
same SQL serves one customer (`profile_rescore`), a training cutoff and a 1M-customer recompute,
so a single rescore and a full run agree.

Events belong to the consumer their visitor is linked to now (a visitor that logs in later
brings its earlier anonymous visits along); events of anonymous visitors belong to nobody.
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


# Per-kind counts travel packed into two integers (fields of 31 and 21 bits): SQLite's cost is
# per aggregate call per row, and 20M rows × 13 aggregates was most of a recompute.
PACK_PV, PACK_ASK, PACK_BOOK, PACK_PV7 = 2**31, 2**21, 2**42, 2**40


def _sum(expr: str) -> str:
    # PostgreSQL sums bigints into numeric; keep them integers for numpy
    return f"SUM({expr})::bigint" if connection.vendor == "postgresql" else f"SUM({expr})"


def _event_sql(user_filter: str) -> str:
    e, v = Event._meta.db_table, Visitor._meta.db_table
    # visits: visit_number counts a visitor's visits to the merchant, so max - min + 1 over a
    # window is the number of visits in it without a COUNT(DISTINCT ...)
    return f"""
        SELECT a.visitor_id, v.user_id, a.last_at, a.vmax, a.vmin, a.vmin7, a.p1, a.p2, a.d30, a.p7, a.bk14
        FROM (
            SELECT visitor_id, {_epoch("MAX(occurred_at)")} AS last_at,
                MAX(visit_number) AS vmax, MIN(visit_number) AS vmin,
                COALESCE(MIN(CASE WHEN occurred_at >= %(t7)s THEN visit_number END), 0) AS vmin7,
                {_sum(f"CASE kind WHEN 'card_view' THEN 1 WHEN 'product_view' THEN {PACK_PV} ELSE 0 END")} AS p1,
                {_sum(f"CASE kind WHEN 'share' THEN 1 WHEN 'ask' THEN {PACK_ASK} WHEN 'book' THEN {PACK_BOOK} ELSE 0 END")}
                    AS p2,
                {_sum("dwell_ms")} AS d30,
                {_sum(f"CASE WHEN occurred_at >= %(t7)s THEN dwell_ms "
                      f"+ CASE WHEN kind = 'product_view' THEN {PACK_PV7} ELSE 0 END ELSE 0 END")} AS p7,
                {_sum("CASE WHEN kind = 'book' AND occurred_at >= %(t14)s THEN 1 ELSE 0 END")} AS bk14
            FROM {e}
            WHERE merchant_id = %(merchant)s AND occurred_at >= %(since)s AND occurred_at < %(until)s {user_filter}
            GROUP BY visitor_id
        ) a JOIN {v} v ON v.id = a.visitor_id
        WHERE v.user_id IS NOT NULL
    """


def _unpack_events(rows: np.ndarray) -> dict[str, np.ndarray]:
    """Per visitor row: the EVENT_COLUMNS from the packed aggregates."""
    vmax, vmin, vmin7 = rows[:, 3], rows[:, 4], rows[:, 5]
    p1, p2, p7 = rows[:, 6], rows[:, 7], rows[:, 9]
    return {
        "last_event_at": rows[:, 2],
        "visits_30d": vmax - vmin + 1,
        "visits_7d": np.where(vmin7 > 0, vmax - vmin7 + 1, 0),
        "card_views_30d": p1 % PACK_PV,
        "product_views_30d": p1 // PACK_PV,
        "product_views_7d": p7 // PACK_PV7,
        "dwell_s_30d": rows[:, 8] / 1000.0,
        "dwell_s_7d": (p7 % PACK_PV7) / 1000.0,
        "shares_30d": p2 % PACK_ASK,
        "books_30d": p2 // PACK_BOOK,
        "books_14d": rows[:, 10],
        "asks_30d": (p2 // PACK_ASK) % (PACK_BOOK // PACK_ASK),
    }


def _purchase_sql(user_filter: str) -> str:
    p = Purchase._meta.db_table
    # a fully refunded purchase is no purchase; a partly refunded one counts at its net amount
    return f"""
        SELECT user_id, COUNT(*),
               {_sum("CASE WHEN occurred_at >= %(t365)s THEN 1 ELSE 0 END")},
               {_sum("CASE WHEN occurred_at >= %(t14)s THEN 1 ELSE 0 END")},
               {_sum("CASE WHEN occurred_at >= %(t365)s THEN amount_fen - refunded_fen ELSE 0 END")},
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
            chunks.append(np.array(rows, dtype=np.int64).reshape(-1, width))
    if not chunks:
        return np.zeros((0, width), dtype=np.int64)
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
    event_filter = purchase_filter = ""
    if user_id is not None:
        # literal visitor ids, so the planner walks event_visitor_time for these few visitors
        # instead of the merchant's whole 30-day window
        visitor_ids = [int(pk) for pk in Visitor.objects.filter(user_id=user_id).values_list("pk", flat=True)]
        event_filter = f"AND visitor_id IN ({', '.join(map(str, visitor_ids or [0]))})"
        purchase_filter = "AND user_id = %(user)s"
    events = _fetch(_event_sql(event_filter), params, 11)
    purchases = _fetch(_purchase_sql(purchase_filter), params, 6)
    if user_id is not None:
        events = events[events[:, 1] == user_id]  # a visitor shared by two users keeps its linked one

    parts = [events[:, 1], purchases[:, 0]]
    if include_users is not None:
        parts.append(np.asarray(include_users, dtype=np.int64))
    users = np.unique(np.concatenate(parts))
    n = len(users)
    cols: dict[str, np.ndarray] = {}

    ev_idx = np.searchsorted(users, events[:, 1])
    for name, values in _unpack_events(events).items():
        if name == "last_event_at":
            col = np.zeros(n)
            np.maximum.at(col, ev_idx, values.astype(np.float64))
        else:
            col = np.bincount(ev_idx, weights=values.astype(np.float64), minlength=n).astype(np.float64)
        cols[name] = col

    pu_idx = np.searchsorted(users, purchases[:, 0])
    for j, name in enumerate(PURCHASE_COLUMNS, start=1):
        col = np.zeros(n)
        col[pu_idx] = purchases[:, j].astype(np.float64)
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

