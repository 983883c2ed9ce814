"""The price of an order's lines, step by step (docs/specs/campaigns.md §1), free of any storage.

list L → activity A → member level V → store promotion R → coupon D → points → paid P.
Each order-level discount is split over its eligible lines by largest remainder, in proportion
to what each line has left before that step, so the parts add up exactly and no line goes
below zero. Checkout calls `price_order` with what it read; the same function prices the cart
and the checkout page, so what the buyer sees is what the order stores.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from linkmall.core.errors import Conflict, InvalidInput
from linkmall.core.money import allocate, percent_of

Funder = Literal["merchant", "platform"]
DiscountKind = Literal["amount", "percent"]
ScopeKind = Literal["all", "categories", "products"]

#: points are worth one fen each: 100 points = 1.00
FEN_PER_POINT = 1
#: points may pay at most this share of what is left after the coupon
POINTS_MAX_PERCENT = 50


@dataclass(frozen=True)
class LineIn:
    """One line as checkout sees it. `activity_fen` is A when an activity prices the line."""

    key: int
    quantity: int
    list_fen: int
    product_id: int
    category_id: int | None = None
    activity_fen: int | None = None
    activity_funder: Funder = "merchant"


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind = "all"
    ids: frozenset[int] = frozenset()

    def covers(self, line: LineIn) -> bool:
        if self.kind == "all":
            return True
        if self.kind == "products":
            return line.product_id in self.ids
        return line.category_id is not None and line.category_id in self.ids


@dataclass(frozen=True)
class Offer:
    """A store promotion or a coupon, as far as pricing is concerned.

    `amount`: `value` fen off. `percent`: `value` percent off (e.g. Decimal(10) for 9折), cut to
    `max_discount_fen` when set. The threshold is an amount (满 299) or a quantity (满 2 件).
    """

    ref: int
    kind: DiscountKind
    value: Decimal | int
    funder: Funder = "merchant"
    scope: Scope = field(default_factory=Scope)
    threshold_fen: int = 0
    threshold_quantity: int = 0
    max_discount_fen: int | None = None
    stacks_with_activity: bool = False

    def eligible(self, lines: Sequence[LineIn]) -> list[int]:
        """Indexes of the lines this offer may discount."""
        return [i for i, line in enumerate(lines)
                if self.scope.covers(line) and (line.activity_fen is None or self.stacks_with_activity)]

    def discount_on(self, amount_fen: int, quantity: int) -> int:
        """What the offer takes off an eligible amount and quantity; 0 when a threshold is not met."""
        if amount_fen <= 0 or amount_fen < self.threshold_fen or quantity < self.threshold_quantity:
            return 0
        if self.kind == "amount":
            off = int(self.value)
        else:
            off = percent_of(amount_fen, self.value)
            if self.max_discount_fen is not None:
                off = min(off, self.max_discount_fen)
        return max(0, min(off, amount_fen))


@dataclass(frozen=True)
class LinePrice:
    key: int
    quantity: int
    list_fen: int
    activity_fen: int
    activity_funder: Funder
    level_fen: int
    promotion_fen: int
    promotion_funder: Funder
    coupon_fen: int
    coupon_funder: Funder
    points_used: int
    points_fen: int
    paid_fen: int

    @property
    def activity_discount_fen(self) -> int:
        return self.list_fen - self.activity_fen

    @property
    def platform_funded_fen(self) -> int:
        """What the platform pays into this line (§2); the rest of every discount is the merchant's."""
        funded = 0
        if self.activity_funder == "platform":
            funded += self.activity_discount_fen
        if self.promotion_funder == "platform":
            funded += self.promotion_fen
        if self.coupon_funder == "platform":
            funded += self.coupon_fen
        return funded

    @property
    def discount_fen(self) -> int:
        """Every discount on the line: L − P."""
        return self.list_fen - self.paid_fen


@dataclass(frozen=True)
class Priced:
    lines: list[LinePrice]
    promotion_ref: int | None
    coupon_ref: int | None
    points_used: int

    @property
    def list_fen(self) -> int:
        return sum(line.list_fen for line in self.lines)

    @property
    def paid_fen(self) -> int:
        return sum(line.paid_fen for line in self.lines)

    @property
    def promotion_fen(self) -> int:
        return sum(line.promotion_fen for line in self.lines)

    @property
    def coupon_fen(self) -> int:
        return sum(line.coupon_fen for line in self.lines)

    @property
    def points_fen(self) -> int:
        return sum(line.points_fen for line in self.lines)

    @property
    def level_fen(self) -> int:
        return sum(line.level_fen for line in self.lines)

    @property
    def activity_discount_fen(self) -> int:
        return sum(line.activity_discount_fen for line in self.lines)


def _split(total: int, indexes: list[int], left: list[int]) -> dict[int, int]:
    """`total` over the lines `indexes`, in proportion to what each has left (never more)."""
    parts = allocate(total, [left[i] for i in indexes]) if indexes else []
    return dict(zip(indexes, parts, strict=True))


def _offer_amount(offer: Offer, lines: Sequence[LineIn], left: list[int]) -> tuple[int, list[int]]:
    indexes = [i for i in offer.eligible(lines) if left[i] > 0]
    amount = sum(left[i] for i in indexes)
    quantity = sum(lines[i].quantity for i in indexes)
    return offer.discount_on(amount, quantity), indexes


def coupon_discount(lines: Sequence[LineIn], coupon: Offer, *, level_percent_off: Decimal | int = 0,
                    promotions: Sequence[Offer] = ()) -> int:
    """What `coupon` would take off this order (0 when it does not apply): for choosing the best."""
    left = _after_promotion(lines, level_percent_off, promotions)[0]
    return _offer_amount(coupon, lines, left)[0]


def _after_promotion(lines: Sequence[LineIn], level_percent_off: Decimal | int,
                     promotions: Sequence[Offer]) -> tuple[list[int], list[int], list[int], Offer | None, dict[int, int]]:
    activity = [line.list_fen if line.activity_fen is None else line.activity_fen for line in lines]
    level = [percent_of(activity[i], level_percent_off) if line.activity_fen is None else 0
             for i, line in enumerate(lines)]
    left = [activity[i] - level[i] for i in range(len(lines))]
    best: Offer | None = None
    best_amount, best_indexes = 0, []
    for offer in sorted(promotions, key=lambda o: o.ref):
        amount, indexes = _offer_amount(offer, lines, left)
        if amount > best_amount:
            best, best_amount, best_indexes = offer, amount, indexes
    promotion = _split(best_amount, best_indexes, left)
    left = [left[i] - promotion.get(i, 0) for i in range(len(lines))]
    return left, activity, level, best, promotion


def price_order(
    lines: Sequence[LineIn],
    *,
    level_percent_off: Decimal | int = 0,
    promotions: Sequence[Offer] = (),
    coupon: Offer | None = None,
    points: int = 0,
    points_held: int = 0,
) -> Priced:
    """Price the lines of one order (§1). A coupon that takes nothing off is refused, and so are
    more points than the buyer holds or than §1 allows; promotions that do not apply are skipped."""
    if not lines:
        raise InvalidInput("An order needs at least one line.", detail={"field": "lines"})
    for line in lines:
        if line.quantity <= 0 or line.list_fen < 0:
            raise InvalidInput("A line needs a positive quantity and amount.", detail={"key": line.key})
        if line.activity_fen is not None and not 0 <= line.activity_fen <= line.list_fen:
            raise InvalidInput("An activity price must be between 0 and the list price.", detail={"key": line.key})
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise InvalidInput("points must be a whole number, 0 or more.", detail={"field": "points"})

    left, activity, level, promotion_offer, promotion = _after_promotion(lines, level_percent_off, promotions)

    coupon_parts: dict[int, int] = {}
    if coupon is not None:
        amount, indexes = _offer_amount(coupon, lines, left)
        if not indexes:
            raise Conflict("Nothing in this order can use the coupon.", code="coupon_not_applicable",
                           detail={"coupon_id": coupon.ref})
        if amount == 0:
            raise Conflict("The order does not reach the coupon's threshold.", code="coupon_threshold_not_met",
                           detail={"coupon_id": coupon.ref, "threshold_fen": coupon.threshold_fen,
                                   "threshold_quantity": coupon.threshold_quantity})
        coupon_parts = _split(amount, indexes, left)
        left = [left[i] - coupon_parts.get(i, 0) for i in range(len(lines))]

    points_parts: dict[int, int] = {}
    if points:
        if points > points_held:
            raise Conflict("You do not have that many points.", code="points_insufficient",
                           detail={"points": points, "held": points_held})
        most = sum(left) * POINTS_MAX_PERCENT // 100 // FEN_PER_POINT
        if points > most:
            raise Conflict(f"Points may pay at most {POINTS_MAX_PERCENT}% of this order.", code="points_over_limit",
                           detail={"points": points, "max": most})
        indexes = [i for i in range(len(lines)) if left[i] > 0]
        points_parts = _split(points * FEN_PER_POINT, indexes, left)
        left = [left[i] - points_parts.get(i, 0) for i in range(len(lines))]

    priced: list[LinePrice] = []
    for i, line in enumerate(lines):
        points_fen = points_parts.get(i, 0)
        priced.append(LinePrice(
            key=line.key, quantity=line.quantity, list_fen=line.list_fen, activity_fen=activity[i],
            activity_funder=line.activity_funder, level_fen=level[i],
            promotion_fen=promotion.get(i, 0),
            promotion_funder=promotion_offer.funder if promotion_offer else "merchant",
            coupon_fen=coupon_parts.get(i, 0), coupon_funder=coupon.funder if coupon else "merchant",
            points_used=points_fen // FEN_PER_POINT, points_fen=points_fen, paid_fen=left[i],
        ))
    return Priced(lines=priced, promotion_ref=promotion_offer.ref if promotion_offer else None,
                  coupon_ref=coupon.ref if coupon else None, points_used=points)


def unit_share(total_fen: int, quantity: int, units: int) -> int:
    """The part of `total_fen` that belongs to the first `units` of `quantity` units (§4).

    With total = q·u + r, the first r units carry u + 1 and the rest u; refunds take units from
    the end, so `unit_share(P, q, q) − unit_share(P, q, q − k)` is what k refunded units give back.
    """
    if quantity <= 0 or not 0 <= units <= quantity:
        raise ValueError("units must be between 0 and the quantity")
    each, extra = divmod(total_fen, quantity)
    return units * each + min(units, extra)
