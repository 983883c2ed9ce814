"""The price of a checkout before it is placed: what `order_place` stores and what the checkout page
and the API show, from one function (docs/specs/campaigns.md §1).

`order_quote` reads what campaigns offers the buyer once (`checkout_offers`: promotions, coupons,
points) and prices the lines with the pure pipeline `campaigns.pricing.price_order`; a refused
coupon or points amount raises the refusal with its stable code, before anything is written.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from linkmall.accounts.models import User
from linkmall.campaigns.activities import ActivityLine
from linkmall.campaigns.models import Coupon
from linkmall.campaigns.pricing import (
    FEN_PER_POINT,
    POINTS_MAX_PERCENT,
    LineIn,
    LinePrice,
    Offer,
    Priced,
    coupon_discount,
    price_order,
)
from linkmall.campaigns.selectors import CheckoutOffers, best_coupon, checkout_offers, coupon_for_checkout
from linkmall.core.errors import InvalidInput
from linkmall.orders.models import Order
from linkmall.stores.models import Listing, Merchant

#: more points than anyone can hold (campaigns' own bound): refused before any lookup
MAX_POINTS = 10**12


@dataclass(frozen=True)
class Quote:
    priced: Priced
    offers: CheckoutOffers
    #: the coupon the quote used, if any, and its terms
    coupon: Coupon | None
    coupon_offer: Offer | None
    lines: tuple[LineIn, ...]

    @property
    def points_held(self) -> int:
        return self.offers.points_held

    def line_price(self, key: int) -> LinePrice | None:
        return next((line for line in self.priced.lines if line.key == key), None)

    def coupon_choices(self) -> list[tuple[Coupon, int]]:
        """The buyer's usable coupons at this merchant, each with what it would take off this order
        (0: it does not apply), soonest to expire first."""
        return [(coupon, coupon_discount(self.lines, offer, level_percent_off=self.offers.level_percent_off,
                                         promotions=self.offers.promotions))
                for coupon, offer in self.offers.coupons]

    def points_max(self) -> int:
        """The most points this order may use with its coupon: half of what is left after the
        coupon (§1), never more than the buyer holds."""
        without = price_order(self.lines, level_percent_off=self.offers.level_percent_off,
                              promotions=self.offers.promotions, coupon=self.coupon_offer)
        most = without.paid_fen * POINTS_MAX_PERCENT // 100 // FEN_PER_POINT
        return max(0, min(self.offers.points_held, most))


def is_first_order(*, buyer: User, merchant: Merchant) -> bool:
    """The buyer has no earlier paid order at the merchant (new-customer promotions, §1). One query."""
    return not Order.objects.filter(buyer=buyer, merchant=merchant, paid_at__isnull=False).exists()


def line_in(listing: Listing, quantity: int, activity: ActivityLine | None = None) -> LineIn:
    """A listing and quantity as the pipeline takes them (the listing's product must be loaded),
    at the activity's unit price when `activity` is for this listing."""
    if activity is not None and activity.listing_id == listing.pk:
        return LineIn(key=listing.pk, quantity=quantity, list_fen=listing.price_fen * quantity,
                      product_id=listing.product_id, category_id=listing.product.category_id,
                      activity_fen=min(activity.unit_fen, listing.price_fen) * quantity,
                      activity_funder=activity.funder)
    return LineIn(key=listing.pk, quantity=quantity, list_fen=listing.price_fen * quantity,
                  product_id=listing.product_id, category_id=listing.product.category_id)


def _check_coupon_id(coupon_id: object) -> int | None:
    if coupon_id is None:
        return None
    if isinstance(coupon_id, bool) or not isinstance(coupon_id, int) or not 0 < coupon_id < 2**63:
        raise InvalidInput("coupon_id must be a positive whole number.", detail={"field": "coupon_id"})
    return coupon_id


def _check_points(points: object) -> int:
    if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= MAX_POINTS:
        raise InvalidInput("points must be a whole number, 0 or more.", detail={"field": "points"})
    return points


def order_quote(
    *,
    buyer: User,
    merchant: Merchant,
    lines: Sequence[LineIn],
    coupon_id: int | None = None,
    points: int = 0,
    best: bool = False,
) -> Quote:
    """Price `lines` of one merchant for `buyer` with the coupon `coupon_id` (or, with `best` and no
    coupon named, the best usable one) and `points`. A constant number of queries: the first-order
    check, the offers (promotions, coupons, points, and the category tree when a scope needs it),
    and one more only when the named coupon is not usable (to say why)."""
    coupon_id = _check_coupon_id(coupon_id)
    points = _check_points(points)
    offers = checkout_offers(buyer=buyer, merchant=merchant, first_order=is_first_order(buyer=buyer, merchant=merchant))
    coupon: Coupon | None = None
    offer: Offer | None = None
    if coupon_id is not None:
        found = [(c, o) for c, o in offers.coupons if c.pk == coupon_id]
        # not among the usable ones: this raises the refusal that says why
        coupon, offer = found[0] if found else coupon_for_checkout(buyer=buyer, merchant=merchant, coupon_id=coupon_id)
    elif best:
        coupon = best_coupon(lines=lines, offers=offers)
        offer = next((o for c, o in offers.coupons if coupon is not None and c.pk == coupon.pk), None)
    priced = price_order(lines, level_percent_off=offers.level_percent_off, promotions=offers.promotions,
                         coupon=offer, points=points, points_held=offers.points_held)
    return Quote(priced=priced, offers=offers, coupon=coupon, coupon_offer=offer, lines=tuple(lines))
