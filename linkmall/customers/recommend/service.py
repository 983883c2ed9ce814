"""Serving per-store recommendations from the stored neighbours and popularity, in few queries."""

from __future__ import annotations

from collections import defaultdict

from linkmall.catalog.models import Product
from linkmall.customers.models import Event, ItemNeighbour, ItemPopularity, Purchase, Visitor
from linkmall.stores.models import Listing, Store

HISTORY = 50  # a customer's last products that seed their recommendations
MAX_BROWSERS = 3  # a customer's browsers whose history counts (phone, WeChat, desktop)


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
