"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") by maximum likelihood.

While alive a customer buys at Poisson rate λ ~ Gamma(r, α); after every purchase they drop out
with probability p ~ Beta(a, b). A customer is summarised by x (repeat purchases), t_x (time of
the last purchase since the first) and T (time since the first purchase), all in one unit.

The parameters are optimised on their logarithms (so they stay positive without bounds) and
the likelihood is written with gammaln/betaln/logaddexp, because Γ and B overflow for the
frequent buyers of a real shop. Identical (x, t_x, T) rows are fitted once with a weight, which
keeps a million customers cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1


class FitFailed(Exception):
    pass


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    def as_dict(self) -> dict:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}

    def expected_purchases(self, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Conditional expected purchases in (T, T + t] of each customer (FHL 2005, eq. 10)."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        z = t / (alpha + T + t)
        head = (a + b + x - 1) / (a - 1)
        body = 1 - np.exp((r + x) * np.log((alpha + T) / (alpha + T + t))) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        # the "died after the last purchase" term only exists for customers who bought again
        alive_odds = np.where(
            x > 0, a / np.maximum(b + x - 1, 1e-12) * np.exp((r + x) * np.log((alpha + T) / (alpha + t_x))), 0.0)
        return head * body / (1 + alive_odds)

    def probability_alive(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        log_ratio = np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) + (r + x) * np.log((alpha + T) / (alpha + t_x))
        return np.where(x > 0, 1 / (1 + np.exp(log_ratio)), 1.0)


def log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    r, alpha, a, b = params
    repeat = x > 0
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    stays = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    # for x = 0 the argument b + x - 1 may be negative; the term is masked out anyway
    drops = betaln(a + 1, np.where(repeat, b + x - 1, 1.0)) - betaln(a, b) - (r + x) * np.log(alpha + t_x)
    return head + np.where(repeat, np.logaddexp(stays, drops), stays)


def fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> BgNbd:
    data = np.column_stack((x, t_x, T)).astype(float)
    rows, weights = np.unique(data, axis=0, return_counts=True)
    ux, ut, uT = rows.T
    scale = float(np.mean(T)) or 1.0  # start α near the time scale of the data

    def loss(theta):
        value = -(weights * log_likelihood(np.exp(theta), ux, ut, uT)).sum() / weights.sum()
        return value if np.isfinite(value) else 1e10

    start = np.log([1.0, scale, 1.0, 1.0])
    result = minimize(loss, start, method="Nelder-Mead",
                      options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 20_000, "maxfev": 40_000})
    result = minimize(loss, result.x, method="BFGS", options={"gtol": 1e-9})
    if not np.isfinite(result.fun) or result.fun >= 1e10:
        raise FitFailed("BG/NBD likelihood did not converge")
    r, alpha, a, b = np.exp(result.x)
    return BgNbd(float(r), float(alpha), float(a), float(b), float(-result.fun * weights.sum()))
