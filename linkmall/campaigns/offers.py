"""From stored promotions and coupons to the `Offer`s the pricing pipeline takes, and their labels.

A category scope covers the chosen categories and every category below them, so "美妆" covers
"口红"; the tree is read once per call that needs it.
"""

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.utils.translation import gettext as _

from linkmall.campaigns.models import Coupon, CouponTemplate, Kind, OfferTerms, Promotion, ScopeKind
from linkmall.campaigns.pricing import DiscountKind, Funder, Offer, Scope
from linkmall.campaigns.pricing import ScopeKind as PricingScopeKind
from linkmall.catalog.models import Category
from linkmall.core.money import fen_to_yuan

#: category id → the ids of its direct children
CategoryTree = Mapping[int, Sequence[int]]

_KINDS: dict[str, DiscountKind] = {"amount": "amount", "percent": "percent"}
_FUNDERS: dict[str, Funder] = {"merchant": "merchant", "platform": "platform"}
_SCOPES: dict[str, PricingScopeKind] = {"all": "all", "categories": "categories", "products": "products"}


def category_tree() -> dict[int, list[int]]:
    """The category tree in one query."""
    children: dict[int, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(pk)
    return children


def needs_tree(rows: Iterable[OfferTerms]) -> bool:
    return any(row.scope_kind == ScopeKind.CATEGORIES for row in rows)


def categories_below(ids: Iterable[int], tree: CategoryTree) -> frozenset[int]:
    """`ids` and every category below them."""
    found: set[int] = set()
    todo = list(ids)
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(tree.get(pk, ()))
    return frozenset(found)


def scope_of(terms: OfferTerms, tree: CategoryTree | None = None) -> Scope:
    ids = [int(pk) for pk in terms.scope_ids]
    if terms.scope_kind == ScopeKind.CATEGORIES:
        if tree is None:
            raise ValueError("a category scope needs the category tree")
        return Scope("categories", categories_below(ids, tree))
    return Scope(_SCOPES[terms.scope_kind], frozenset(ids))


def _offer(ref: int, terms: OfferTerms, tree: CategoryTree | None, *, threshold_quantity: int = 0) -> Offer:
    return Offer(
        ref=ref, kind=_KINDS[terms.kind], value=terms.offer_value, funder=_FUNDERS[terms.funder],
        scope=scope_of(terms, tree), threshold_fen=terms.threshold_fen, threshold_quantity=threshold_quantity,
        max_discount_fen=terms.max_discount_fen, stacks_with_activity=terms.stacks_with_activity,
    )


def promotion_offer(promotion: Promotion, tree: CategoryTree | None = None) -> Offer:
    """A promotion as pricing sees it; `Priced.promotion_ref` is then the promotion's id."""
    return _offer(promotion.pk, promotion, tree, threshold_quantity=promotion.threshold_quantity)


def coupon_offer(coupon: Coupon, tree: CategoryTree | None = None) -> Offer:
    """A coupon as pricing sees it (its template's terms); `Priced.coupon_ref` is then the coupon's id."""
    return _offer(coupon.pk, coupon.template, tree)


def _yuan(fen: int) -> str:
    """299_00 → "299", 9_90 → "9.90"."""
    text = fen_to_yuan(fen)
    return text.removesuffix(".00")


def _zhe(percent_off: Decimal) -> str:
    """10 (percent off) → "9", 12.5 → "8.75"."""
    zhe = ((Decimal(100) - percent_off) / Decimal(10)).normalize()
    return format(zhe, "f")


def offer_label(terms: OfferTerms, *, threshold_quantity: int = 0) -> str:
    """What the offer does in a few words: 满299减50, 满2件打9折, 无门槛减5 …"""
    if terms.kind == Kind.AMOUNT:
        benefit = _("减%(amount)s元") % {"amount": _yuan(int(terms.value))}
    else:
        percent_off = Decimal(terms.value)
        benefit = _("打%(zhe)s折") % {"zhe": _zhe(percent_off), "off": format(percent_off.normalize(), "f")}
        if terms.max_discount_fen is not None:
            benefit += _("（最多减%(amount)s元）") % {"amount": _yuan(terms.max_discount_fen)}
    if terms.threshold_fen > 0:
        condition = _("满%(amount)s元") % {"amount": _yuan(terms.threshold_fen)}
    elif threshold_quantity > 0:
        condition = _("满%(n)s件") % {"n": threshold_quantity}
    else:
        condition = _("无门槛")
    return _("%(condition)s%(benefit)s") % {"condition": condition, "benefit": benefit}


def promotion_label(promotion: Promotion) -> str:
    return offer_label(promotion, threshold_quantity=promotion.threshold_quantity)


def template_label(template: CouponTemplate) -> str:
    return offer_label(template)
