"""`clv_refresh`: fit CLV on a merchant's purchase facts and write it on their profiles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from linkmall.core import clock
from linkmall.customers.models import Profile, Purchase
from linkmall.stores.models import Merchant

from . import FitFailed, fit_summary, predict, summarise

MIN_CUSTOMERS = 50
MIN_REPEAT_CUSTOMERS = 20
HORIZON_WEEKS = 52
_CHUNK = 5_000


@dataclass
class ClvRefresh:
    fitted: bool
    reason: str = ""
    customers: int = 0
    repeat_customers: int = 0
    updated: int = 0
    params: dict = field(default_factory=dict)


def _merchant_summary(merchant_id: int, until: dt.date):
    rows = Purchase.objects.filter(merchant_id=merchant_id).values_list(
        "user_id", "occurred_at", "amount_fen", "refunded_fen").iterator(chunk_size=20_000)
    users, days, amounts = [], [], []
    tz = timezone.get_current_timezone()
    for user_id, occurred_at, amount_fen, refunded_fen in rows:
        net = amount_fen - refunded_fen
        if net <= 0:  # a fully refunded order is no purchase
            continue
        users.append(user_id)
        days.append(occurred_at.astimezone(tz).date().toordinal())
        amounts.append(net / 100)  # yuan keep the likelihood's numbers moderate
    return summarise(np.array(users, dtype=np.int64), np.array(days, dtype=np.int64),
                     np.array(amounts, dtype=float), until=until, unit="week")


def clv_refresh(*, merchant_id: int, horizon_weeks: int = HORIZON_WEEKS) -> ClvRefresh:
    """Fit BG/NBD + Gamma-Gamma in weeks up to today; write expected purchases and CLV (fen) per profile.

    With too little data nothing is written (the fields stay as they were, null for a new
    merchant) and `reason` says why, because a fit on a handful of customers would be noise.
    """
    until = clock.today()
    summary = _merchant_summary(merchant_id, until)
    repeaters = int((summary.x > 0).sum())
    base = ClvRefresh(fitted=False, customers=len(summary), repeat_customers=repeaters)
    if len(summary) < MIN_CUSTOMERS:
        base.reason = f"有购买记录的顾客只有 {len(summary)} 位，至少需要 {MIN_CUSTOMERS} 位才能估算终身价值"
        return base
    if repeaters < MIN_REPEAT_CUSTOMERS:
        base.reason = f"复购顾客只有 {repeaters} 位，至少需要 {MIN_REPEAT_CUSTOMERS} 位才能估算终身价值"
        return base
    try:
        fit = fit_summary(summary)
    except FitFailed as exc:
        base.reason = f"模型无法拟合：{exc}"
        return base
    prediction = predict(fit, summary, horizon=horizon_weeks)
    clv_fen = np.round(prediction.value * 100).astype(np.int64).tolist()
    expected = np.round(prediction.expected_purchases, 4).tolist()
    users = summary.customer_ids.tolist()
    table = connection.ops.quote_name(Profile._meta.db_table)
    updated = 0
    with transaction.atomic(), connection.cursor() as cursor:
        # one refresh of a merchant at a time: two whole-table UPDATEs in different scan orders could deadlock
        Merchant.objects.select_for_update().filter(pk=merchant_id).first()
        cursor.execute(f"UPDATE {table} SET clv_fen = NULL, expected_purchases = NULL WHERE merchant_id = %s",
                       [merchant_id])
        for lo in range(0, len(users), _CHUNK):
            rows = [(clv_fen[i], expected[i], merchant_id, users[i]) for i in range(lo, min(lo + _CHUNK, len(users)))]
            cursor.executemany(f"UPDATE {table} SET clv_fen = %s, expected_purchases = %s "
                               f"WHERE merchant_id = %s AND user_id = %s", rows)
        updated = Profile.objects.filter(merchant_id=merchant_id, clv_fen__isnull=False).count()
    params = fit.as_dict()
    params.pop("log_likelihood")
    return ClvRefresh(fitted=True, customers=len(summary), repeat_customers=repeaters, updated=updated,
                      params={**params, "horizon_weeks": horizon_weeks, "until": until.isoformat()})
