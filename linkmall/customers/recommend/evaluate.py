"""Leave-last-out evaluation of the item-item model against popularity on an interactions CSV.

Every user with at least two interactions has their last one (by timestamp; file order breaks
ties) held out; everything else trains. Both rankers rank every item, without removing what the
user already saw, because a product seen before is a fair thing to show again (the product
page does the same; only bought products are removed there and the file does not say which
interactions were purchases).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from linkmall.core.csvfiles import read_csv

from . import model
from .metrics import ndcg_at_k, precision_at_k

COLUMNS = ("user_id", "item_id", "timestamp")
_BATCH = 20_000


class BadInteractions(Exception):
    pass


@dataclass
class Interactions:
    users: np.ndarray  # user index per row
    items: np.ndarray  # item index per row
    times: np.ndarray  # float seconds
    n_users: int
    n_items: int


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.timestamp()


def read_interactions(path: str | Path) -> Interactions:
    users, items, times = [], [], []
    for user, item, seconds in read_csv(
        path, columns=COLUMNS, parse=lambda cells: (cells[0].strip(), cells[1].strip(), _seconds(cells[2].strip())),
        expected="user_id, item_id and a timestamp (ISO 8601 or seconds)", error=BadInteractions,
    ):
        users.append(user)
        items.append(item)
        times.append(seconds)
    if not users:
        raise BadInteractions(f"{Path(path)}: no interactions")
    user_ids, user_index = np.unique(np.array(users), return_inverse=True)
    item_ids, item_index = np.unique(np.array(items), return_inverse=True)
    return Interactions(user_index, item_index, np.array(times), len(user_ids), len(item_ids))


def split_last_out(data: Interactions) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Training matrix (counts), and the held-out (user, item) of users with ≥ 2 interactions."""
    order = np.lexsort((np.arange(len(data.users)), data.times, data.users))
    users, items = data.users[order], data.items[order]
    counts = np.bincount(users, minlength=data.n_users)
    last = np.cumsum(counts) - 1
    test_users = np.flatnonzero(counts >= 2)
    held = np.zeros(len(users), dtype=bool)
    held[last[test_users]] = True
    train = sparse.csr_matrix((np.ones(int((~held).sum())), (users[~held], items[~held])),
                              shape=(data.n_users, data.n_items))
    train.sum_duplicates()
    return train, test_users, items[last[test_users]]


def evaluate(data: Interactions, *, k: int = 10, neighbours: int = model.NEIGHBOURS, k1: float = model.K1,
             b: float = model.B) -> dict:
    train, test_users, held_items = split_last_out(data)
    if not len(test_users):
        raise BadInteractions("no user has two interactions: nothing can be held out")
    similarity = model.fit_similarity(train, neighbours=neighbours, k1=k1, b=b)
    popular = model.popularity(train)
    popular_list = model.top_k(np.zeros((1, data.n_items)), popular, k)[0].tolist()
    sums = {"model": [0.0, 0.0], "popularity": [0.0, 0.0]}
    for lo in range(0, len(test_users), _BATCH):
        batch = test_users[lo:lo + _BATCH]
        scores = (train[batch] @ similarity).toarray()
        recommended = model.top_k(scores, popular, k)
        for row, held in zip(recommended.tolist(), held_items[lo:lo + _BATCH].tolist(), strict=True):
            sums["model"][0] += precision_at_k(row, [held], k)
            sums["model"][1] += ndcg_at_k(row, [held], k)
            sums["popularity"][0] += precision_at_k(popular_list, [held], k)
            sums["popularity"][1] += ndcg_at_k(popular_list, [held], k)
    n = len(test_users)
    result = {name: {"precision_at_k": round(p / n, 6), "ndcg_at_k": round(g / n, 6)}
              for name, (p, g) in sums.items()}
    return {**result, "k": k, "users": data.n_users, "items": data.n_items, "test_users": n,
            "interactions": len(data.users), "params": {"neighbours": neighbours, "K1": k1, "B": b}}
