"""Ranking metrics for recommendation lists (binary relevance)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def precision_at_k(recommended: Sequence, relevant: Iterable, k: int) -> float:
    """Share of the first k recommendations that are relevant (divided by k even when fewer are given)."""
    wanted = set(relevant)
    return sum(1 for item in list(recommended)[:k] if item in wanted) / k


def ndcg_at_k(recommended: Sequence, relevant: Iterable, k: int) -> float:
    """DCG of the first k recommendations over the DCG of a perfect list (gain 1 at rank r is 1/log2(r+1))."""
    wanted = set(relevant)
    if not wanted:
        return 0.0
    dcg = sum(1 / math.log2(rank + 2) for rank, item in enumerate(list(recommended)[:k]) if item in wanted)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(len(wanted), k)))
    return dcg / ideal
