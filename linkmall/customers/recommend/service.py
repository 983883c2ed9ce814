"""Per-store recommendations: recompute item neighbours and popularity; serve them in few queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Count, Q, Sum
from scipy import sparse

from linkmall.catalog.models import Product
from linkmall.core import clock
from linkmall.core.errors import NotFound
from linkmall.customers.models import Event, ItemNeighbour, ItemPopularity, Purchase, Visitor
from linkmall.stores.models import Listing, Store

from . import model

PURCHASE_WEIGHT = 5.0  # buying says more than looking
DWELL_CAP_S = 600  # ten minutes on a product page is as much interest as we count
POPULAR_KEPT = 100
HISTORY = 50  # a customer's last products that seed their recommendations
MAX_BROWSERS = 3  # a customer's browsers whose history counts (phone, WeChat, desktop)
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


def recommend_cards(*, store_id: int, user_id: int | None = None, visitor: Visitor | None = None,
                    product_id: int | None = None, k: int = 6) -> list:
    """`recommend_for` as the store's product cards (name, price, image), for customers/_recommend.html."""
    from linkmall.stores.selectors import store_product_cards

    merchant_id, ids = _ranked(store_id=store_id, user_id=user_id, visitor=visitor, product_id=product_id, k=k)
    if not ids:
        return []
    return store_product_cards(store=Store(pk=store_id, merchant_id=merchant_id), product_ids=ids)


def recommend_for(*, store_id: int, user_id: int | None = None, visitor: Visitor | None = None,
                  product_id: int | None = None, k: int = 6) -> list[int]:
    """Up to k product ids listed and active in the store, best first; never ones the user bought.

    Personal when the customer (user and/or visitor) has history at the merchant: their last
    products (and the product on screen, counted double) vote for their neighbours. Popularity
    fills the rest, so a cold visitor gets the store's bestsellers. At most 5 + MAX_BROWSERS
    queries: store, the user's browsers, one per browser, purchases, neighbours, popularity, listed.
    """
    return _ranked(store_id=store_id, user_id=user_id, visitor=visitor, product_id=product_id, k=k)[1]


def _recent_products(*, user_id: int | None, visitor: Visitor | None, merchant_id: int) -> list[int]:
    """The customer's last products at the merchant, newest first, distinct.

    Read browser by browser (this one, then the user's most recent others): an equality on the
    visitor lets the (merchant, visitor, time) index answer with the newest rows at once, while
    any filter on user_id or on a set of visitors made SQLite walk a 20M-row merchant's whole
    time index (30 s for one page on the synthetic million-customer shop).
    """
    browsers = [visitor.pk] if visitor is not None else []
    if user_id:
        others = Visitor.objects.filter(user_id=user_id).exclude(pk__in=browsers).order_by("-last_seen_at", "-pk")
        browsers += list(others.values_list("pk", flat=True)[:MAX_BROWSERS - len(browsers)])
    recent: list[tuple] = []
    for browser in browsers:
        recent += Event.objects.filter(merchant_id=merchant_id, visitor_id=browser, product__isnull=False) \
            .order_by("-occurred_at").values_list("occurred_at", "product_id")[:HISTORY]
    recent.sort(reverse=True)
    return list(dict.fromkeys(pid for _, pid in recent[:HISTORY]))


def _ranked(*, store_id: int, user_id: int | None, visitor: Visitor | None, product_id: int | None,
            k: int) -> tuple[int | None, list[int]]:
    store = Store.objects.filter(pk=store_id).values("merchant_id").first()
    if store is None or k <= 0:
        return None, []
    merchant_id = store["merchant_id"]
    seeds: dict[int, float] = defaultdict(float)
    for rank, pid in enumerate(_recent_products(user_id=user_id, visitor=visitor, merchant_id=merchant_id)):
        seeds[pid] += 1.0 / (1 + rank / 10)  # the more recent, the more it counts
    if product_id:
        seeds[product_id] += 2.0
    bought: set[int] = set()
    buyer = user_id or (visitor.user_id if visitor is not None else None)
    if buyer:
        for ids in Purchase.objects.filter(merchant_id=merchant_id, user_id=buyer).values_list("product_ids",
                                                                                             flat=True):
            bought.update(int(p) for p in ids or [])
    scores: dict[int, float] = defaultdict(float)
    if seeds:
        for source, neighbour, score in ItemNeighbour.objects.filter(
                store_id=store_id, product_id__in=list(seeds)).values_list("product_id", "neighbour_id", "score"):
            scores[neighbour] += seeds[source] * score
    excluded = bought | ({product_id} if product_id else set())
    personal = [p for p, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])) if p not in excluded]
    popular = [p for p in ItemPopularity.objects.filter(store_id=store_id).order_by("-score", "product_id")
               .values_list("product_id", flat=True)[:k * 4 + len(excluded)] if p not in excluded]
    candidates = list(dict.fromkeys(personal[:k * 4] + popular))
    if not candidates:
        return merchant_id, []
    sellable = set(Listing.objects.filter(merchant_id=merchant_id, is_active=True, product_id__in=candidates,
                                          product__status=Product.Status.ACTIVE)
                   .values_list("product_id", flat=True))
    return merchant_id, [p for p in candidates if p in sellable][:k]
