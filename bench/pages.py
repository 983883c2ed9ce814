"""The consumer pages the HTTP benchmark requests, found by URL name."""

from django.urls import NoReverseMatch, reverse


def _first(candidates: list[tuple[str, dict]]) -> str | None:
    for name, kwargs in candidates:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def page_paths(*, store, listing) -> dict[str, str | None]:
    """Store home, product page and checkout page (of the buyer's one-shop cart)."""
    return {
        "store_home": _first([("web:store_home", {"store_id": store.pk})]),
        "product_page": _first([("web:product", {"store_id": store.pk, "product_id": listing.product_id})]),
        "checkout_page": _first([("web:checkout", {})]),
    }
