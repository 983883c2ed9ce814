"""Intent model: will this customer order within the next 14 days?

L2-regularised logistic regression on standardised log features, fitted with scipy's L-BFGS
(the loss is smooth and convex, so this reaches the same optimum as IRLS at a fraction of the
code). Examples are (customer, cutoff) pairs over several weekly cutoffs; the label is "ordered
within 14 days after the cutoff". The held-out set is split by customer, so no customer's
future leaks from training into the test through another cutoff.

Grades from the probability: A ≥ 50 % (more likely than not), B ≥ 20 %, C ≥ 5 %, else D.
"""

from datetime import datetime, timedelta

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

from linkmall.customers.scoring import rules
from linkmall.customers.scoring.features import LABEL_DAYS, Features, features_at, ordered_within

GRADE_CUTS = (0.5, 0.2, 0.05)  # A, B, C lower bounds of the probability
L2 = 1.0
TEST_SHARE = 0.3
MIN_CLASS_EXAMPLES = 5  # fewer buyers (or non-buyers) than this in training: keep the rules
COUNTS = ("visits_30d", "visits_7d", "card_views_30d", "product_views_30d", "product_views_7d", "shares_30d",
          "books_30d", "books_14d", "asks_30d", "orders_all", "orders_365d", "orders_14d")
FEATURES = (*COUNTS, "dwell_min_30d", "dwell_min_7d", "monetary_yuan_365d", "days_since_event", "days_since_order")


def design_matrix(f: Features) -> np.ndarray:
    c, now = f.cols, f.cutoff.timestamp()
    days_event = np.where(c["last_event_at"] > 0, (now - c["last_event_at"]) / 86400, 31.0)
    days_order = np.where(c["last_order_at"] > 0, (now - c["last_order_at"]) / 86400, 366.0)
    cols = [np.log1p(c[name]) for name in COUNTS]
    cols += [np.log1p(c["dwell_s_30d"] / 60), np.log1p(c["dwell_s_7d"] / 60), np.log1p(c["monetary_365d"] / 100),
             np.log1p(np.clip(days_event, 0, 31)), np.log1p(np.clip(days_order, 0, 366))]
    return np.column_stack(cols) if len(f) else np.zeros((0, len(FEATURES)))


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = L2) -> dict:
    """Minimise mean log-loss + l2/(2n)·|w|² (intercept unpenalised) on standardised columns."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    n, p = z.shape
    design = np.column_stack([np.ones(n), z])
    penalty = np.r_[0.0, np.full(p, l2 / n)]

    def loss(w):
        margin = design @ w
        # log(1 + e^m) - y·m, written stably
        value = np.mean(np.logaddexp(0, margin) - y * margin) + 0.5 * np.sum(penalty * w * w)
        grad = design.T @ (expit(margin) - y) / n + penalty * w
        return value, grad

    result = minimize(loss, np.zeros(p + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return {"features": list(FEATURES), "mean": mean.tolist(), "scale": scale.tolist(),
            "intercept": float(result.x[0]), "coef": result.x[1:].tolist(), "cuts": list(GRADE_CUTS),
            "converged": bool(result.success)}


def predict(model: dict, x: np.ndarray) -> np.ndarray:
    z = (x - np.asarray(model["mean"])) / np.asarray(model["scale"])
    return expit(model["intercept"] + z @ np.asarray(model["coef"]))


def grades_of(probability: np.ndarray, cuts=GRADE_CUTS) -> np.ndarray:
    a, b, c = cuts
    return np.select([probability >= a, probability >= b, probability >= c], ["A", "B", "C"], default="D")


def grade(model: dict | None, f: Features) -> tuple[np.ndarray | None, np.ndarray]:
    """(probability or None, grades) per customer: the model when fitted, the rules otherwise."""
    if not model or not model.get("coef") or model.get("features") != list(FEATURES):
        return None, rules.rule_grades(f)
    probability = predict(model, design_matrix(f))
    return probability, grades_of(probability, model.get("cuts", GRADE_CUTS))


def roc_auc(labels, scores) -> float | None:
    """Area under the ROC curve = P(a random positive outscores a random negative), ties count
    half (Mann-Whitney U from average ranks). None when a class is missing."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    sorted_s = s[order]
    ranks = np.empty(len(s))
    # average rank of each run of equal scores
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_s)) + 1]
    ends = np.r_[starts[1:], len(s)]
    for lo, hi in zip(starts, ends, strict=True):
        ranks[order[lo:hi]] = (lo + hi + 1) / 2
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def is_test_customer(user_ids: np.ndarray) -> np.ndarray:
    """A fixed ~30 % of customers, by a multiplicative hash of the id (same split every run)."""
    return ((np.asarray(user_ids, dtype=np.uint64) * np.uint64(2654435761)) % np.uint64(1000)) < TEST_SHARE * 1000


def training_cutoffs(now: datetime, weeks: int = 8) -> list[datetime]:
    """Weekly cutoffs whose 14-day label window has fully passed by now."""
    last = now - timedelta(days=LABEL_DAYS)
    return [last - timedelta(weeks=k) for k in range(weeks)]


def intent_examples(*, merchant_id: int, cutoffs: list[datetime]):
    """(user ids, X, y, rule ranks) stacked over the cutoffs; customers active before each."""
    users, xs, ys, ranks = [], [], [], []
    for cutoff in cutoffs:
        f = features_at(merchant_id=merchant_id, cutoff=cutoff)
        if not len(f):
            continue
        buyers = ordered_within(merchant_id=merchant_id, start=cutoff)
        users.append(f.user_ids)
        xs.append(design_matrix(f))
        ys.append(np.isin(f.user_ids, buyers).astype(np.float64))
        ranks.append(rules.rule_ranks(f))
    if not xs:
        return np.zeros(0, dtype=np.int64), np.zeros((0, len(FEATURES))), np.zeros(0), np.zeros(0)
    return np.concatenate(users), np.vstack(xs), np.concatenate(ys), np.concatenate(ranks)


def intent_fit(*, merchant_id: int, now: datetime, weeks: int = 8) -> tuple[dict, dict]:
    """Fit on ~70 % of customers, evaluate both the model and the rules on the rest.

    Returns (model or {} when too few examples, metrics)."""
    users, x, y, ranks = intent_examples(merchant_id=merchant_id, cutoffs=training_cutoffs(now, weeks))
    test = is_test_customer(users)
    train = ~test
    metrics = {"n_train": int(train.sum()), "n_test": int(test.sum()),
               "positives_train": int(y[train].sum()), "positives_test": int(y[test].sum()),
               "model_auc": None, "rules_auc": roc_auc(y[test], ranks[test]) if test.any() else None}
    positives, negatives = y[train].sum(), (1 - y[train]).sum()
    if positives < MIN_CLASS_EXAMPLES or negatives < MIN_CLASS_EXAMPLES:
        return {}, metrics
    model = fit_logistic(x[train], y[train])
    if test.any():
        metrics["model_auc"] = roc_auc(y[test], predict(model, x[test]))
    for key in ("model_auc", "rules_auc"):
        value = metrics[key]
        if value is not None:
            metrics[key] = round(value, 4)
    return model, metrics
