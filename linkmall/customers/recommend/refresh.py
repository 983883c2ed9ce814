"""Recompute a store's item neighbours and popularity from its views and purchases.

Kept apart from serving (service.py) so the web process never imports numpy, scipy or implicit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Count, Q, Sum
from scipy import sparse

from linkmall.core import clock
from linkmall.core.errors import NotFound
from linkmall.customers.models import Event, ItemNeighbour, ItemPopularity, Purchase
from linkmall.stores.models import Store

from . import model

PURCHASE_WEIGHT = 5.0  # buying says more than looking
DWELL_CAP_S = 600  # ten minutes on a product page is as much interest as we count
POPULAR_KEPT = 100
_BATCH = 5_000


@dataclass
class RecommendRefresh:
    store_id: int
    customers: int
    products: int
    neighbours: int
    popular: int


def store_interactions(store_id: int, merchant_id: int) -> tuple[sparse.csr_matrix, list[int]]:
    """Customers × products of one store: views + capped dwell minutes + 5 per purchase.

    A customer is their user when known, else their browser (visitor), so anonymous browsing
    teaches the model too. Purchases without a store (e.g. imported ones) count for every store.
    """
    weights: dict[tuple[str, int], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    rows = (Event.objects.filter(store_id=store_id, kind__in=[Event.Kind.PRODUCT_VIEW, Event.Kind.DWELL],
                                 product__isnull=False)
            .values("user_id", "visitor_id", "product_id")
            .annotate(views=Count("id", filter=Q(kind=Event.Kind.PRODUCT_VIEW)), dwell_ms=Sum("dwell_ms"))
            .order_by())
    for row in rows.iterator(chunk_size=20_000):
        who = ("u", row["user_id"]) if row["user_id"] else ("v", row["visitor_id"])
        weights[who][row["product_id"]] += row["views"] + min((row["dwell_ms"] or 0) / 1000, DWELL_CAP_S) / 60
    purchases = Purchase.objects.filter(Q(store_id=store_id) | Q(store__isnull=True, merchant_id=merchant_id)).values_list("user_id", "product_ids", "amount_fen",
                                                                       "refunded_fen")
    for user_id, product_ids, amount_fen, refunded_fen in purchases.iterator(chunk_size=20_000):
        if refunded_fen >= amount_fen:
            continue
        for product_id in product_ids or []:
            weights[("u", user_id)][int(product_id)] += PURCHASE_WEIGHT
    products = sorted({p for items in weights.values() for p in items})
    column = {p: i for i, p in enumerate(products)}
    rows_, cols, data = [], [], []
    for r, items in enumerate(weights.values()):
        for product_id, weight in items.items():
            rows_.append(r)
            cols.append(column[product_id])
            data.append(weight)
    matrix = sparse.csr_matrix((data, (rows_, cols)), shape=(len(weights), len(products)))
    return matrix, products


def recommend_refresh(*, store_id: int) -> RecommendRefresh:
    """Recompute a store's item neighbours and popularity from its views and purchases (idempotent)."""
    merchant_id = Store.objects.filter(pk=store_id).values_list("merchant_id", flat=True).first()
    if merchant_id is None:
        raise NotFound("门店不存在")
    matrix, products = store_interactions(store_id, merchant_id)
    now = clock.now()
    neighbour_rows: list[ItemNeighbour] = []
    popular_rows: list[ItemPopularity] = []
    if products:
        similarity = model.fit_similarity(matrix).tocoo()
        for i, j, score in zip(similarity.row.tolist(), similarity.col.tolist(), similarity.data.tolist(),
                               strict=True):
            if i != j and score > 0:
                neighbour_rows.append(ItemNeighbour(store_id=store_id, product_id=products[i],
                                                    neighbour_id=products[j], score=score, computed_at=now))
        popular = model.popularity(matrix)
        for i in np.argsort(-popular, kind="stable")[:POPULAR_KEPT].tolist():
            popular_rows.append(ItemPopularity(store_id=store_id, product_id=products[i], score=float(popular[i]),
                                               computed_at=now))
    with transaction.atomic():
        # two refreshes of one store take turns: each replaces the whole set, none sees half of another's
        Store.objects.select_for_update().filter(pk=store_id).first()
        ItemNeighbour.objects.filter(store_id=store_id).delete()
        ItemPopularity.objects.filter(store_id=store_id).delete()
        ItemNeighbour.objects.bulk_create(neighbour_rows, batch_size=_BATCH)
        ItemPopularity.objects.bulk_create(popular_rows, batch_size=_BATCH)
    return RecommendRefresh(store_id, matrix.shape[0], len(products), len(neighbour_rows), len(popular_rows))
