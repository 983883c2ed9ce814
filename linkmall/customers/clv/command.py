"""`linkmall clv fit --transactions FILE.csv --until DATE --unit week [--json]` and `linkmall clv refresh`."""

from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
from django.core.management.base import CommandError

from . import UNITS, BadTransactions, FitFailed, fit_summary, predict, read_transactions, summarise


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def add_fit_arguments(parser) -> None:
    parser.add_argument("--transactions", required=True, help="CSV with customer_id,date,amount")
    parser.add_argument("--until", help="end of the observation, YYYY-MM-DD (default: the last transaction's day)")
    parser.add_argument("--unit", choices=sorted(UNITS), default="week")
    parser.add_argument("--horizon", type=float, default=52, help="prediction horizon in units (default 52)")
    parser.add_argument("--discount", type=float, default=0.0, help="yearly discount rate, e.g. 0.1")
    parser.add_argument("--predictions", help="write per-customer predictions to this CSV")
    parser.add_argument("--json", action="store_true")


def add_refresh_arguments(parser) -> None:
    parser.add_argument("--merchant", type=int, required=True)
    parser.add_argument("--horizon", type=int, default=52, help="weeks (default 52)")
    parser.add_argument("--json", action="store_true")


def handle_fit(command, **o) -> None:
    try:
        customers, days, amounts = read_transactions(o["transactions"])
    except BadTransactions as exc:
        raise _fail(str(exc)) from None
    if o["until"]:
        try:
            until = dt.date.fromisoformat(o["until"])
        except ValueError:
            raise _fail(f"--until {o['until']!r} is not a date YYYY-MM-DD") from None
    else:
        until = dt.date.fromordinal(int(days.max()))
    if o["horizon"] <= 0 or not 0 <= o["discount"] < 10:
        raise _fail("--horizon must be > 0 and --discount between 0 and 10")
    summary = summarise(customers, days, amounts, until=until, unit=o["unit"])
    if not len(summary):
        raise _fail(f"no transactions on or before {until.isoformat()}")
    try:
        fit = fit_summary(summary)
    except FitFailed as exc:
        raise _fail(str(exc)) from None
    units_per_year = 365.25 / UNITS[o["unit"]]
    prediction = predict(fit, summary, horizon=o["horizon"],
                         discount_per_unit=(1 + o["discount"]) ** (1 / units_per_year) - 1)
    result = {**fit.as_dict(), "unit": o["unit"], "until": until.isoformat(), "horizon": o["horizon"],
              "expected_purchases_total": round(float(prediction.expected_purchases.sum()), 2),
              "clv_total": round(float(prediction.value.sum()), 2)}
    if o["predictions"]:
        with open(o["predictions"], "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["customer_id", "frequency", "recency", "T", "monetary_value", "p_alive",
                             "expected_purchases", "expected_spend", "clv"])
            writer.writerows(zip(
                summary.customer_ids.tolist(), summary.x.astype(int).tolist(), np.round(summary.t_x, 4).tolist(),
                np.round(summary.T, 4).tolist(), np.round(summary.m, 2).tolist(),
                np.round(prediction.p_alive, 4).tolist(), np.round(prediction.expected_purchases, 4).tolist(),
                np.round(prediction.expected_spend, 2).tolist(), np.round(prediction.value, 2).tolist(), strict=True))
    if o["json"]:
        command.stdout.write(json.dumps(result))
        return
    b, g = fit.bgnbd, fit.gamma_gamma
    command.stdout.write(
        f"{fit.customers} customers, {fit.repeat_customers} bought again (unit {o['unit']}, until {until})\n"
        f"BG/NBD       r={b.r:.4f} alpha={b.alpha:.4f} a={b.a:.4f} b={b.b:.4f}\n"
        f"Gamma-Gamma  p={g.p:.4f} q={g.q:.4f} v={g.v:.4f}\n"
        f"next {o['horizon']:g} {o['unit']}s: {result['expected_purchases_total']} purchases "
        f"worth {result['clv_total']}")


def handle_refresh(command, **o) -> None:
    from linkmall.stores.models import Merchant

    from .service import clv_refresh

    if not Merchant.objects.filter(pk=o["merchant"]).exists():
        raise _fail(f"merchant {o['merchant']} does not exist")
    if o["horizon"] <= 0:
        raise _fail("--horizon must be > 0")
    outcome = clv_refresh(merchant_id=o["merchant"], horizon_weeks=o["horizon"])
    if o["json"]:
        command.stdout.write(json.dumps(outcome.__dict__, ensure_ascii=False))
    elif outcome.fitted:
        command.stdout.write(f"updated {outcome.updated} profiles from {outcome.customers} customers: {outcome.params}")
    else:
        command.stdout.write(f"not fitted: {outcome.reason}")
