"""Write a synthetic world as CSV files that the CLV, recommendation and scoring tools read.

Ids in the files are 1-based (customer 1 is the first to arrive); times are ISO 8601 UTC.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .world import KINDS, SECTIONS, World

_ROWS = 500_000


def iso_times(world: World, seconds: np.ndarray) -> np.ndarray:
    start = np.datetime64(world.spec.start.isoformat(), "s")
    return np.char.add(np.datetime_as_string(start + seconds.astype("timedelta64[s]"), unit="s"), "Z")


def _write(path: Path, header: list[str], columns, total: int, progress=None) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for lo in range(0, total, _ROWS):
            hi = min(lo + _ROWS, total)
            writer.writerows(zip(*(column(lo, hi) for column in columns), strict=True))
            if progress:
                progress(path.name, hi, total)


def _ids(values: np.ndarray):
    """1-based ids, empty where the value is -1 (none)."""

    def column(lo, hi):
        chunk = values[lo:hi].astype(np.int64) + 1
        return ["" if v == 0 else v for v in chunk.tolist()]

    return column


def _plain(values) -> Callable[[int, int], list]:
    return lambda lo, hi: values[lo:hi].tolist()


def write_csv(world: World, directory: str | Path, *, progress=None) -> dict[str, int]:
    """Write interactions, transactions, events, shares and customers CSVs; answer rows per file."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    kinds = np.array(KINDS)
    sections = np.array(("",) + SECTIONS)
    n_events, n_purchases = len(world.ev_customer), len(world.pu_customer)

    # interactions: product views and purchases, by customer then time (what recommenders learn from)
    views = np.flatnonzero(world.ev_item >= 0)
    i_user = np.concatenate((world.ev_customer[views], world.pu_customer))
    i_item = np.concatenate((world.ev_item[views], world.pu_item))
    i_time = np.concatenate((world.ev_time[views], world.pu_time))
    order = np.lexsort((i_time, i_user))
    i_user, i_item, i_time = i_user[order], i_item[order], i_time[order]
    _write(out / "interactions.csv", ["user_id", "item_id", "timestamp"],
           [_ids(i_user), _ids(i_item), lambda lo, hi: iso_times(world, i_time[lo:hi]).tolist()],
           len(i_user), progress)

    days = np.datetime_as_string(np.datetime64(world.spec.start.isoformat(), "s")
                                 + world.pu_time.astype("timedelta64[s]"), unit="D")
    _write(out / "transactions.csv", ["customer_id", "date", "amount"],
           [_ids(world.pu_customer), _plain(days),
            lambda lo, hi: [f"{fen / 100:.2f}" for fen in world.pu_amount_fen[lo:hi].tolist()]],
           n_purchases, progress)

    _write(out / "events.csv",
           ["event_id", "customer_id", "kind", "item_id", "section", "store_id", "timestamp", "dwell_ms",
            "visit_number", "shared_by"],
           [lambda lo, hi: list(range(lo + 1, hi + 1)), _ids(world.ev_customer),
            lambda lo, hi: kinds[world.ev_kind[lo:hi]].tolist(), _ids(world.ev_item),
            lambda lo, hi: sections[world.ev_section[lo:hi].astype(np.int64) + 1].tolist(),
            _ids(world.ev_store), lambda lo, hi: iso_times(world, world.ev_time[lo:hi]).tolist(),
            _plain(world.ev_dwell_ms), _plain(world.ev_visit), _ids(world.ev_shared_by)],
           n_events, progress)

    recipients = world.share_recipient
    _write(out / "shares.csv", ["sharer_id", "recipient_id", "timestamp"],
           [_ids(world.share_sharer), _ids(recipients),
            lambda lo, hi: iso_times(world, world.first_seen[recipients][lo:hi]).tolist()],
           len(recipients), progress)

    n = world.spec.customers
    top = world.interest.argmax(axis=1)
    _write(out / "customers.csv",
           ["customer_id", "first_seen", "home_store_id", "top_category", "propensity", "influence", "referrer_id"],
           [lambda lo, hi: list(range(lo + 1, hi + 1)), lambda lo, hi: iso_times(world, world.first_seen[lo:hi]).tolist(),
            _ids(world.home_store), _ids(top), lambda lo, hi: np.round(world.propensity[lo:hi], 4).tolist(),
            lambda lo, hi: np.round(world.influence[lo:hi], 4).tolist(), _ids(world.referrer)],
           n, progress)
    return {"interactions.csv": len(i_user), "transactions.csv": n_purchases, "events.csv": n_events,
            "shares.csv": len(recipients), "customers.csv": n}
