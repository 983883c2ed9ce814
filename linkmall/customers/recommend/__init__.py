"""Recommendations: item-item (BM25) per store with a popularity fallback.

`recommend_for(*, store_id, user_id=None, visitor=None, product_id=None, k=6) -> list[int]` serves them,
`recommend_cards(...)` (same arguments) as product cards for the template customers/_recommend.html;
`recommend_refresh(*, store_id)` recomputes a store's neighbours (also as `recommend_refresh_task`).
"""

from .service import RecommendRefresh, recommend_cards, recommend_for, recommend_refresh

__all__ = ["RecommendRefresh", "recommend_cards", "recommend_for", "recommend_refresh"]
