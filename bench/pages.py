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
    return {
        "store_home": _first([("stores:store_home", {"store_id": store.pk}), ("stores:home", {"store_id": store.pk})]),
        "product_page": _first([
            ("stores:product_detail", {"store_id": store.pk, "product_id": listing.product_id}),
            ("stores:product", {"store_id": store.pk, "product_id": listing.product_id}),
        ]),
        "checkout_page": _first([
            ("orders:checkout", {"store_id": store.pk}), ("orders:checkout", {}), ("orders:cart_checkout", {}),
        ]),
    }
