"""Okapi BM25 over a small corpus of passages, written out so its parameters are plain to see.

score(q, d) = Σ_t∈q idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl))
idf(t)      = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))    (never negative, unlike the original)

k1 = 1.2: how fast repeating a term stops adding to the score (1.2–2.0 is usual; a store's
passages are short, so saturation early keeps one repeated word from dominating).
b = 0.75: how much a long passage is penalised for its length (0 = not at all, 1 = fully).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

K1 = 1.2
B = 0.75


@dataclass
class BM25:
    documents: list[list[str]]
    k1: float = K1
    b: float = B
    df: Counter = field(init=False)
    tfs: list[Counter] = field(init=False)
    lengths: list[int] = field(init=False)
    avgdl: float = field(init=False)

    def __post_init__(self) -> None:
        self.tfs = [Counter(doc) for doc in self.documents]
        self.lengths = [len(doc) for doc in self.documents]
        self.avgdl = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        self.df = Counter(term for tf in self.tfs for term in tf)
        # postings: which documents hold a term, so a query touches only those
        self.postings: dict[str, list[int]] = {}
        for i, tf in enumerate(self.tfs):
            for term in tf:
                self.postings.setdefault(term, []).append(i)

    def idf(self, term: str) -> float:
        n = len(self.documents)
        df = self.df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query: list[str]) -> dict[int, float]:
        """Score of every document that holds at least one query term."""
        out: dict[int, float] = {}
        for term in set(query):
            idf = self.idf(term)
            for i in self.postings.get(term, ()):
                tf = self.tfs[i][term]
                norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avgdl) if self.avgdl else self.k1
                out[i] = out.get(i, 0.0) + idf * tf * (self.k1 + 1) / (tf + norm)
        return out

    def holds(self, term: str, documents: list[int]) -> bool:
        return any(term in self.tfs[i] for i in documents)
