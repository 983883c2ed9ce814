"""Intent grade by rules: what a guide would say looking at the last two weeks.

A  ordered or booked in the last 14 days, or viewed ≥ 3 products with ≥ 2 minutes on the pages
   in the last 7 days (comparing, about to decide);
B  looked at a product in the last 7 days, came back ≥ 2 times in 7 days, asked a question or
   shared the card in the last 30 days (interested);
C  any visit in the last 30 days or an order in the last year (knows us);
D  none of that (no engagement).

They grade when no intent model is fitted yet, and are the baseline the model's AUC is
compared with (ranked A > B > C > D).
"""

import numpy as np

from linkmall.customers.scoring.features import Features

GRADES = ("A", "B", "C", "D")
RULE_RANK = {"A": 3, "B": 2, "C": 1, "D": 0}


def rule_ranks(f: Features) -> np.ndarray:
    """3 for A down to 0 for D, per customer."""
    c = f.cols
    a = (c["orders_14d"] >= 1) | (c["books_14d"] >= 1) | ((c["product_views_7d"] >= 3) & (c["dwell_s_7d"] >= 120))
    b = (c["product_views_7d"] >= 1) | (c["visits_7d"] >= 2) | (c["asks_30d"] >= 1) | (c["shares_30d"] >= 1)
    k = (c["visits_30d"] >= 1) | (c["orders_365d"] >= 1)
    return np.select([a, b, k], [3, 2, 1], default=0)


def rule_grades(f: Features) -> np.ndarray:
    return np.array(GRADES[::-1], dtype="<U1")[rule_ranks(f)]
