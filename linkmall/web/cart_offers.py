"""The cart's campaign block per shop: the promotion the lines get now, how far they are from the
next promotion threshold ("再买 ¥X 可减 ¥Y"), and the shop's promotions and coupons to claim.

The lines are priced by `orders.quotes.order_quote`, the function checkout stores from, and the
nudge by `campaigns.showcase.promotion_nudge` over the same offers, so what the cart promises is
what checkout gives. A constant number of queries per shop in the cart.
"""

from dataclasses import dataclass

from linkmall.accounts.models import User
from linkmall.campaigns.showcase import Nudge, ShopOffers, ShownPromotion, promotion_nudge, shop_offers
from linkmall.orders.quotes import line_in, order_quote
from linkmall.web.selectors import CartGroup


@dataclass(frozen=True)
class CartOffers:
    offers: ShopOffers
    #: what the store promotion takes off the lines now
    promotion_fen: int
    nudge: Nudge | None
    #: the promotion the nudge is about
    nudge_promotion: ShownPromotion | None


def cart_offers(*, user: User, group: CartGroup) -> CartOffers:
    """The campaign block of one shop's lines in the cart (the lines that can be bought)."""
    offers = shop_offers(merchant=group.merchant, user=user)
    items = [i for i in group.items if i.available]
    if not items or not offers.promotions:
        return CartOffers(offers=offers, promotion_fen=0, nudge=None, nudge_promotion=None)
    quote = order_quote(buyer=user, merchant=group.merchant,
                        lines=[line_in(i.listing, i.line.quantity) for i in items])
    nudge = promotion_nudge(quote.lines, quote.offers.promotions, level_percent_off=quote.offers.level_percent_off)
    shown = next((p for p in offers.promotions if nudge is not None and p.promotion.pk == nudge.ref), None)
    return CartOffers(offers=offers, promotion_fen=quote.priced.promotion_fen, nudge=nudge, nudge_promotion=shown)
