"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999).

A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers (γ is
called v here, as in the paper's notation of lifetimes' tables). Only customers with at least
one repeat purchase are fitted, on x and the mean of their repeat transactions, m.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln

from .bgnbd import FitFailed


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    v: float
    log_likelihood: float

    def as_dict(self) -> dict:
        return {"p": self.p, "q": self.q, "v": self.v}

    def expected_spend(self, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        """E[M | x, m]: a weighted mean of the population mean p·v/(q−1) and the customer's own m."""
        p, q, v = self.p, self.q, self.v
        x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
        population = p * v / (q - 1)
        own = p * x / (p * x + q - 1)
        # customers without a repeat purchase have no m of their own: they get the population mean
        return np.where(x > 0, (1 - own) * population + own * np.where(x > 0, m, 0.0), population)


def log_likelihood(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    p, q, v = params
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(m)
            + px * np.log(x) - (px + q) * np.log(v + m * x))


def fit(x: np.ndarray, m: np.ndarray) -> GammaGamma:
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    if len(x) < 2:
        raise FitFailed("Gamma-Gamma needs at least two customers with a repeat purchase")

    def loss(theta):
        value = -log_likelihood(np.exp(theta), x, m).mean()
        return value if np.isfinite(value) else 1e10

    start = np.log([1.0, 2.0, float(np.mean(m))])
    result = minimize(loss, start, method="Nelder-Mead",
                      options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 20_000, "maxfev": 40_000})
    result = minimize(loss, result.x, method="BFGS", options={"gtol": 1e-9})
    if not np.isfinite(result.fun) or result.fun >= 1e10:
        raise FitFailed("Gamma-Gamma likelihood did not converge")
    p, q, v = np.exp(result.x)
    return GammaGamma(float(p), float(q), float(v), float(-result.fun * len(x)))
