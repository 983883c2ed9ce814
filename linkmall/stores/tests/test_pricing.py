import pytest

from linkmall.stores.models import Listing
from linkmall.stores.pricing import PRICE_ALLOWED, listing_price_allowed
from linkmall.testing import make_listing, make_merchant, make_product, make_supplier


def test_a_price_at_or_above_cost_is_allowed_and_one_fen_below_is_not():
    assert [listing_price_allowed(price_fen=price, cost_fen=5000) for price in (4999, 5000, 5001)] == [
        False, True, True]


@pytest.mark.django_db
def test_the_query_filter_and_the_listing_property_apply_the_same_rule():
    merchant = make_merchant()
    skus = [make_product(make_supplier(), cost_fen=5000).skus.get() for _ in range(3)]
    below, at, above = (make_listing(merchant, sku, price_fen=price)
                        for sku, price in zip(skus, (4999, 5000, 5001), strict=True))

    allowed = set(Listing.objects.filter(PRICE_ALLOWED).values_list("pk", flat=True))

    assert allowed == {at.pk, above.pk}
    assert [listing.below_cost for listing in Listing.objects.select_related("sku").order_by("pk")] == [
        True, False, False]
    assert below.pk not in allowed
