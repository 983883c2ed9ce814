"""The rule that protects suppliers: a listing is never priced below its SKU's cost.

Every check of it calls `listing_price_allowed` (picking and repricing a listing, the cart and the
checkout, the merchant's listing page, the API's `below_cost`, the demo data, scenario files); the
queries that must not show such a listing filter on `PRICE_ALLOWED`, the same rule in SQL. A supplier
may raise its cost above a merchant's price later, so a listing can fall foul of the rule after it was
picked: it then waits, unsold, for a new price.
"""

from django.db.models import F, Q


def listing_price_allowed(*, price_fen: int, cost_fen: int) -> bool:
    """Whether a listing may sell at `price_fen` when its SKU costs the supplier `cost_fen`."""
    return price_fen >= cost_fen


#: `listing_price_allowed` as a filter on Listing rows
PRICE_ALLOWED = Q(price_fen__gte=F("sku__cost_fen"))
