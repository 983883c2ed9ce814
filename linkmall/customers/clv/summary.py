"""From transactions to the (x, t_x, T, m) summary the CLV models are fitted on.

Rules (those of the CDNOW papers): purchases of one customer on one day count as one purchase
with the day's amounts summed; the first purchase day starts the customer and is not a repeat;
x is the number of repeat purchase days, t_x the time from the first to the last purchase day,
T the time from the first purchase day to `until`, in the chosen unit; m is the mean amount of
the repeat purchase days (the first is left out: it is often atypical, e.g. a welcome offer).
Transactions after `until` are ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from linkmall.core.csvfiles import BadRow, read_csv

UNITS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
COLUMNS = ("customer_id", "date", "amount")


class BadTransactions(Exception):
    """The transactions cannot be read; the message says which row and why."""


@dataclass
class Summary:
    customer_ids: np.ndarray  # as given (strings from a file, user ids from the database)
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    m: np.ndarray  # 0 for customers without a repeat purchase
    total: np.ndarray  # every purchase day's amount, first included

    def __len__(self) -> int:
        return len(self.x)


def summarise(customers: np.ndarray, days: np.ndarray, amounts: np.ndarray, *, until: dt.date,
              unit: str = "week") -> Summary:
    """`customers` any hashable ids, `days` proleptic ordinals (date.toordinal()), `amounts` floats."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}")
    keep = days <= until.toordinal()
    customers, days, amounts = customers[keep], days[keep], amounts[keep]
    if not len(customers):
        empty = np.zeros(0)
        return Summary(customer_ids=customers, x=empty, t_x=empty, T=empty, m=empty, total=empty)
    ids, who = np.unique(customers, return_inverse=True)
    # one purchase per customer and day, with that day's amounts summed
    pairs, day_of = np.unique(np.column_stack((who, days)), axis=0, return_inverse=True)
    day_amount = np.bincount(day_of.ravel(), weights=amounts, minlength=len(pairs))
    cust, day = pairs[:, 0], pairs[:, 1]
    n = len(ids)
    purchases = np.bincount(cust, minlength=n)
    first_index = np.concatenate(([0], np.cumsum(purchases)[:-1]))
    last_index = first_index + purchases - 1
    first_day, last_day = day[first_index], day[last_index]
    step = UNITS[unit]
    repeat_amount = np.bincount(cust, weights=day_amount, minlength=n) - day_amount[first_index]
    x = purchases - 1
    m = np.divide(repeat_amount, x, out=np.zeros(n), where=x > 0)
    return Summary(
        customer_ids=ids, x=x.astype(float), t_x=(last_day - first_day) / step,
        T=(until.toordinal() - first_day) / step, m=m, total=np.bincount(cust, weights=day_amount, minlength=n),
    )


def read_transactions(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read customer_id,date,amount (header required; dates YYYY-MM-DD or ISO 8601 date-times)."""
    ordinal_of: dict[str, int] = {}

    def parse(cells: Sequence[str]) -> tuple[str, int, float]:
        customer, date, amount_text = cells
        text = date.strip()[:10]
        ordinal = ordinal_of.get(text)
        if ordinal is None:
            ordinal = ordinal_of[text] = dt.date.fromisoformat(text).toordinal()
        amount = float(amount_text)
        if not np.isfinite(amount) or amount < 0:
            raise BadRow(f"the amount must be a number ≥ 0, got {amount_text!r}")
        return customer.strip(), ordinal, amount

    customers, days, amounts = [], [], []
    for customer, day, amount in read_csv(path, columns=COLUMNS, parse=parse, error=BadTransactions,
                                          expected="a date YYYY-MM-DD and a number amount"):
        customers.append(customer)
        days.append(day)
        amounts.append(amount)
    if not customers:
        raise BadTransactions(f"{Path(path)}: no transactions")
    return np.array(customers), np.array(days, dtype=np.int64), np.array(amounts, dtype=float)
