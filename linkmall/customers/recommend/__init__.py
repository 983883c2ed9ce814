"""Recommendations: item-item (BM25) per store with a popularity fallback.

`recommend_for(*, store_id, user_id=None, visitor=None, product_id=None, k=6) -> list[int]` serves them,
`recommend_cards(...)` (same arguments) as product cards for the template customers/_recommend.html;
`recommend_refresh(*, store_id)` recomputes a store's neighbours (also as `tasks.recommend_refresh_task`).
"""

from .service import recommend_cards, recommend_for


def recommend_refresh(*, store_id: int):
    """See refresh.recommend_refresh; imported on call so serving pages never load numpy and scipy."""
    from .refresh import recommend_refresh as refresh

    return refresh(store_id=store_id)


__all__ = ["recommend_cards", "recommend_for", "recommend_refresh"]
