"""Customer lifetime value: BG/NBD for how many purchases, Gamma-Gamma for how much each.

`fit_summary` fits both on a transaction summary; `predict` turns a fit into per-customer
expected purchases and value over a horizon; `clv_refresh` (in .service) runs it on a
merchant's purchase facts and writes the results on their profiles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import bgnbd, gammagamma
from .bgnbd import BgNbd, FitFailed
from .gammagamma import GammaGamma
from .summary import UNITS, BadTransactions, Summary, read_transactions, summarise

__all__ = ["UNITS", "BadTransactions", "BgNbd", "ClvFit", "FitFailed", "GammaGamma", "Prediction", "Summary",
           "fit_summary", "predict", "read_transactions", "summarise"]


@dataclass(frozen=True)
class ClvFit:
    bgnbd: BgNbd
    gamma_gamma: GammaGamma
    customers: int
    repeat_customers: int

    def as_dict(self) -> dict:
        return {"bgnbd": self.bgnbd.as_dict(), "gamma_gamma": self.gamma_gamma.as_dict(), "customers": self.customers,
                "repeat_customers": self.repeat_customers,
                "log_likelihood": {"bgnbd": self.bgnbd.log_likelihood, "gamma_gamma": self.gamma_gamma.log_likelihood}}


@dataclass(frozen=True)
class Prediction:
    p_alive: np.ndarray
    expected_purchases: np.ndarray
    expected_spend: np.ndarray
    value: np.ndarray


def fit_summary(summary: Summary) -> ClvFit:
    repeaters = int((summary.x > 0).sum())
    if repeaters == 0:
        raise FitFailed("no customer bought twice: the models need repeat buyers")
    purchases = bgnbd.fit(summary.x, summary.t_x, summary.T)
    spend = gammagamma.fit(summary.x, summary.m)
    if spend.q <= 1:
        # the population's mean spend p·v/(q−1) does not exist: too few or too uneven repeat amounts
        raise FitFailed("spend model has no finite mean (q ≤ 1); more repeat purchases are needed")
    return ClvFit(purchases, spend, len(summary), repeaters)


def predict(fit: ClvFit, summary: Summary, *, horizon: float, discount_per_unit: float = 0.0) -> Prediction:
    """Expected purchases over `horizon` units after T, and their value (discounted per unit when asked)."""
    expected = fit.bgnbd.expected_purchases(horizon, summary.x, summary.t_x, summary.T)
    spend = fit.gamma_gamma.expected_spend(summary.x, summary.m)
    if discount_per_unit > 0:
        # purchases of each unit of the horizon, discounted back to today
        steps = np.arange(1, int(np.ceil(horizon)) + 1, dtype=float)
        steps[-1] = horizon
        cumulative = [np.zeros(len(summary))] + [
            fit.bgnbd.expected_purchases(s, summary.x, summary.t_x, summary.T) for s in steps]
        discounted = sum((cumulative[k] - cumulative[k - 1]) / (1 + discount_per_unit) ** steps[k - 1]
                         for k in range(1, len(cumulative)))
        value = discounted * spend
    else:
        value = expected * spend
    return Prediction(fit.bgnbd.probability_alive(summary.x, summary.t_x, summary.T), expected, spend, value)
