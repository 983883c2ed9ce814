"""What a shopper sees of a merchant's campaigns where they shop: the live store promotions with
their 满减 / 满折 / 新客立减 tag and label, the coupons they may claim (领取), and in the cart how far
the order is from the next promotion threshold ("再买 ¥X 可减 ¥Y").

The same block (`campaigns/_shop_offers.html`) is shown on the product page, the cart and the
guide's card. The product page is cached for everyone and `cards` sits below `campaigns`, so those
two load it as an uncached fragment by URL (`campaigns:shop_offers`, htmx); the cart, which is
personal already, renders it in place. The nudge is computed with the pricing pipeline itself
(`pricing.price_order` and `Offer.discount_on`), never with a copy of its rules.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from linkmall.accounts.models import User
from linkmall.campaigns.models import Kind, Promotion
from linkmall.campaigns.offers import promotion_label, template_label
from linkmall.campaigns.pricing import LineIn, Offer, price_order
from linkmall.campaigns.selectors import Claimable, active_promotions, claimable_templates
from linkmall.stores.models import Merchant


def promotion_tag(promotion: Promotion) -> str:
    """新客立减 for a new-customer promotion, 满折 for a percent one, 满减 otherwise."""
    if promotion.new_customers_only:
        return _("新客立减")
    return _("满折") if promotion.kind == Kind.PERCENT else _("满减")


@dataclass(frozen=True)
class ShownPromotion:
    promotion: Promotion
    tag: str
    label: str


@dataclass(frozen=True)
class ShownCoupon:
    item: Claimable
    label: str


@dataclass(frozen=True)
class ShopOffers:
    merchant_id: int
    promotions: list[ShownPromotion]
    coupons: list[ShownCoupon]

    def __bool__(self) -> bool:
        return bool(self.promotions or self.coupons)


def shop_offers(*, merchant: Merchant, user: User | None = None) -> ShopOffers:
    """The merchant's promotions running now (new-customer ones too: a visitor may be new) and the
    coupons of its claim centre with the viewer's claim state. Four queries at most."""
    promotions = [ShownPromotion(promotion=p, tag=promotion_tag(p), label=promotion_label(p))
                  for p in active_promotions(merchant=merchant, first_order=True)]
    coupons = [ShownCoupon(item=item, label=template_label(item.template))
               for item in claimable_templates(merchant_id=merchant.pk, user=user)]
    return ShopOffers(merchant_id=merchant.pk, promotions=promotions, coupons=coupons)


@dataclass(frozen=True)
class Nudge:
    """How far an order is from a promotion that would save more than what it gets now."""

    #: the promotion's id (`Offer.ref`)
    ref: int
    #: what is missing to reach its amount threshold (fen) or its quantity threshold (units)
    missing_fen: int
    missing_quantity: int
    #: what it takes off once the order reaches its threshold exactly (quantity thresholds: at the
    #: current amount)
    discount_fen: int


def promotion_nudge(lines: Sequence[LineIn], promotions: Sequence[Offer], *,
                    level_percent_off: Decimal | int = 0) -> Nudge | None:
    """The promotion nearest to reach (least missing, then the larger discount, then the lower id)
    among those the order does not reach yet and that would take off more than the promotion it
    gets now; None when there is none. Only promotions with an eligible line in the order count.

    The amount compared with a threshold is the one the pipeline compares (§1): what the eligible
    lines have left after the activity and member-level steps."""
    if not lines or not promotions:
        return None
    before = [line.paid_fen for line in price_order(lines, level_percent_off=level_percent_off).lines]
    now = price_order(lines, level_percent_off=level_percent_off, promotions=promotions).promotion_fen
    best: tuple[tuple[int, int, int, int], Nudge] | None = None
    for offer in promotions:
        indexes = [i for i in offer.eligible(lines) if before[i] > 0]
        if not indexes:
            continue
        amount = sum(before[i] for i in indexes)
        quantity = sum(lines[i].quantity for i in indexes)
        missing_fen = max(0, offer.threshold_fen - amount)
        missing_quantity = max(0, offer.threshold_quantity - quantity)
        if missing_fen == 0 and missing_quantity == 0:
            continue  # reached already
        reached = offer.discount_on(amount + missing_fen, quantity + missing_quantity)
        if reached <= now:
            continue
        rank = (missing_fen, missing_quantity, -reached, offer.ref)
        if best is None or rank < best[0]:
            best = (rank, Nudge(ref=offer.ref, missing_fen=missing_fen, missing_quantity=missing_quantity,
                                discount_fen=reached))
    return best[1] if best else None
