"""Layer scores: RFM, engagement and influence as percentile ranks, weighted into a total.

Each component is 0 for a customer with no such activity (never bought, never visited, never
brought anyone) and otherwise the share of active customers with a value ≤ theirs, so the best
is 1. Ranks, not raw values, because a merchant's spend and visit counts are heavy-tailed and a
few whales would squash everyone else to 0.

Engagement (30 days) = visits + product views + dwell minutes (capped at 60) + 3 × shares +
5 × bookings + 2 × questions: the rarer and more deliberate the act, the more it weighs.
"""

import numpy as np

from linkmall.customers.scoring.features import Features

COMPONENTS = ("recency", "frequency", "monetary", "engagement", "influence")
DEFAULT_WEIGHTS = {"rfm": 0.5, "engagement": 0.3, "influence": 0.2}
REFERENCE_POINTS = 1001  # percentile breakpoints kept per component for single rescoring
DAY = 86400.0


def raw_components(f: Features, influence: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """component -> (raw value, active mask); higher raw is better."""
    c = f.cols
    now = f.cutoff.timestamp()
    bought = c["orders_365d"] > 0
    engagement = (c["visits_30d"] + c["product_views_30d"] + np.minimum(c["dwell_s_30d"], 3600) / 60
                  + 3 * c["shares_30d"] + 5 * c["books_30d"] + 2 * c["asks_30d"])
    return {
        "recency": (-(now - c["last_order_at"]) / DAY, bought),
        "frequency": (c["orders_365d"], bought),
        "monetary": (c["monetary_365d"], bought & (c["monetary_365d"] > 0)),
        "engagement": (engagement, engagement > 0),
        "influence": (influence, influence > 0),
    }


def reference_of(raw: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, list[float]]:
    """Sorted active values per component (or evenly spaced quantiles of them when many)."""
    ref = {}
    for name, (values, active) in raw.items():
        v = np.sort(values[active])
        if len(v) > REFERENCE_POINTS:
            v = np.quantile(v, np.linspace(0, 1, REFERENCE_POINTS))
        ref[name] = [round(float(x), 6) for x in v]
    return ref


def percentiles(values: np.ndarray, active: np.ndarray, reference: list[float] | np.ndarray) -> np.ndarray:
    ref = np.asarray(reference, dtype=np.float64)
    if len(ref) == 0:
        return np.where(active, 1.0, 0.0)
    # a tiny tolerance so a value read back from the rounded reference still counts as ≤ itself
    ranks = np.searchsorted(ref, values + 1e-6, side="right") / len(ref)
    return np.where(active, np.maximum(ranks, 1.0 / len(ref)), 0.0)


def normalised_weights(weights: dict | None) -> dict[str, float]:
    w = {k: float((weights or {}).get(k, DEFAULT_WEIGHTS[k])) for k in DEFAULT_WEIGHTS}
    total = sum(w.values())
    if total <= 0:
        return dict(DEFAULT_WEIGHTS)
    return {k: v / total for k, v in w.items()}


def score_table(raw, reference, weights: dict | None) -> dict[str, np.ndarray]:
    """component -> score in [0, 1], plus `total`."""
    s = {name: percentiles(raw[name][0], raw[name][1], reference[name]) for name in COMPONENTS}
    w = normalised_weights(weights)
    s["total"] = (w["rfm"] * (s["recency"] + s["frequency"] + s["monetary"]) / 3
                  + w["engagement"] * s["engagement"] + w["influence"] * s["influence"])
    return s


def layers_of(total: np.ndarray, *, core_min: float, active_min: float) -> np.ndarray:
    return np.select([total >= core_min, total >= active_min], ["core", "active"], default="potential")
