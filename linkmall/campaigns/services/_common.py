"""What the campaign services share: who may act, the lock helpers, the checks of discount terms
and of an activity's fields (each bad field named in `detail["fields"]`), the status moves, and the
rule that a campaign never sells a listing below its cost unless the merchant accepts the loss."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role, require_tenant
from linkmall.campaigns.models import CampaignStatus, CouponTemplate, Funder, Kind, Promotion, ScopeKind
from linkmall.campaigns.offers import categories_below, category_tree
from linkmall.catalog.models import Category
from linkmall.catalog.services.validation import MAX_PRICE_FEN
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.core.locking import lock_one
from linkmall.core.money import percent_of
from linkmall.stores.models import Listing, Merchant
from linkmall.stores.pricing import listing_price_allowed

MAX_NAME = 60
MAX_SCOPE_IDS = 200
MAX_TOTAL = 10_000_000
MAX_PER_USER = 100
MAX_VALID_DAYS = 3650
MAX_QUANTITY = 10_000

#: where a campaign may go from each status; a move to the status it has is a no-op
#: what a new promotion or coupon template has unless told otherwise
TERM_DEFAULTS: Mapping[str, Any] = {
    "threshold_fen": 0, "max_discount_fen": None, "scope_kind": ScopeKind.ALL, "scope_ids": [],
    "stacks_with_activity": False, "funder": Funder.MERCHANT,
}

MOVES: Mapping[str, frozenset[str]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.ACTIVE, CampaignStatus.ENDED}),
    CampaignStatus.ACTIVE: frozenset({CampaignStatus.PAUSED, CampaignStatus.ENDED}),
    CampaignStatus.PAUSED: frozenset({CampaignStatus.ACTIVE, CampaignStatus.ENDED}),
    CampaignStatus.ENDED: frozenset(),
}


def require_console(actor: User) -> User:
    """A merchant owner or platform staff: the people who run campaigns."""
    return require_role(actor, Role.MERCHANT_OWNER, Role.PLATFORM)


def require_merchant_owner(actor: User, merchant_id: int, *, what: str) -> User:
    """The merchant's owner (or platform staff); another merchant's object is "not found"."""
    require_console(actor)
    return require_tenant(actor, merchant_id, what=what)


class _Campaign(Protocol):
    merchant_id: int
    status: str


def require_changeable(actor: User, campaign: _Campaign, *, what: str) -> None:
    """The campaign's merchant owner (or platform staff) may change it unless it has ended."""
    require_merchant_owner(actor, campaign.merchant_id, what=what)
    if campaign.status == CampaignStatus.ENDED:
        raise Conflict(f"An ended {what} cannot change.", code="campaign_state", detail={"status": campaign.status})


def lock_promotion(promotion_id: int) -> Promotion:
    """Lock one promotion row; every change of a promotion takes it first."""
    try:
        return lock_one(Promotion.objects.all(), promotion_id)
    except Promotion.DoesNotExist:
        raise NotFound("No such promotion.") from None


def lock_template(template_id: int) -> CouponTemplate:
    """Lock one coupon template row; every change of a template's terms or status takes it first.
    Claims do not: they move `issued` with one guarded UPDATE, which waits for this lock."""
    try:
        return lock_one(CouponTemplate.objects.all(), template_id)
    except CouponTemplate.DoesNotExist:
        raise NotFound("No such coupon template.") from None


def check_move(*, current: str, wanted: str) -> bool:
    """Whether a status move changes anything; refuses one that is not allowed."""
    if wanted not in CampaignStatus.values:
        raise InvalidInput("Unknown status.", detail={"fields": {"status": _("状态无效")}})
    if wanted == current:
        return False
    if wanted not in MOVES[current]:
        raise Conflict(f"A campaign cannot go from {current} to {wanted}.", code="campaign_state",
                       detail={"status": current, "wanted": wanted})
    return True


# --- checking the terms ----------------------------------------------------------------------


class Errors(dict[str, str]):
    def raise_any(self) -> None:
        if self:
            raise InvalidInput("Some fields are not valid.", detail={"fields": dict(self)})


def whole(values: Mapping[str, Any], field: str, errors: Errors, *, minimum: int, maximum: int,
          optional: bool = False) -> int | None:
    value = values.get(field)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors[field] = _("必须是整数")
        return None
    if not minimum <= value <= maximum:
        errors[field] = _("应在 %(min)s 到 %(max)s 之间") % {"min": minimum, "max": maximum}
        return None
    return value


def moment(values: Mapping[str, Any], field: str, errors: Errors, *, optional: bool = True) -> datetime | None:
    value = values.get(field)
    if value is None:
        if not optional:
            errors[field] = _("必填")
        return None
    if not isinstance(value, datetime) or timezone.is_naive(value):
        errors[field] = _("需要带时区的时间")
        return None
    return value


def clean_terms(values: Mapping[str, Any], *, merchant: Merchant, actor: User, errors: Errors) -> dict[str, Any]:
    """The terms a promotion and a coupon template share, cleaned; problems go to `errors`."""
    out: dict[str, Any] = {}
    name = str(values.get("name") or "").strip()
    if not name or len(name) > MAX_NAME:
        errors["name"] = _("请填写名称（%(max)s 字以内）") % {"max": MAX_NAME}
    out["name"] = name

    kind = values.get("kind")
    if kind not in Kind.values:
        errors["kind"] = _("请选择立减或折扣")
    out["kind"] = kind
    out["value"] = _clean_value(kind, values.get("value"), errors)

    out["threshold_fen"] = whole(values, "threshold_fen", errors, minimum=0, maximum=MAX_PRICE_FEN) or 0
    max_discount = whole(values, "max_discount_fen", errors, minimum=1, maximum=MAX_PRICE_FEN, optional=True)
    if max_discount is not None and kind == Kind.AMOUNT:
        errors["max_discount_fen"] = _("只有折扣可以设置最高优惠")
    out["max_discount_fen"] = max_discount

    scope_kind = values.get("scope_kind", ScopeKind.ALL)
    if scope_kind not in ScopeKind.values:
        errors["scope_kind"] = _("适用范围无效")
    out["scope_kind"] = scope_kind
    out["scope_ids"] = _clean_scope_ids(scope_kind, values.get("scope_ids") or [], merchant, errors)

    out["stacks_with_activity"] = bool(values.get("stacks_with_activity", False))
    funder = values.get("funder", Funder.MERCHANT)
    if funder not in Funder.values:
        errors["funder"] = _("出资方无效")
    elif funder == Funder.PLATFORM and actor.role != Role.PLATFORM:
        errors["funder"] = _("只有平台可以设置平台出资")
    out["funder"] = funder
    return out


def _clean_value(kind: object, raw: object, errors: Errors) -> Decimal:
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw)) if isinstance(raw, int | str) else None
    except InvalidOperation:
        value = None
    if isinstance(raw, bool) or value is None or not value.is_finite():
        errors["value"] = _("请填写优惠力度")
        return Decimal(0)
    if kind == Kind.AMOUNT and (value != value.to_integral_value() or not 1 <= value <= MAX_PRICE_FEN):
        errors["value"] = _("立减金额以分计，应为 1 到 %(max)s 的整数") % {"max": MAX_PRICE_FEN}
    elif kind == Kind.PERCENT and (not 0 < value < 100 or value != value.quantize(Decimal("0.01"))):
        errors["value"] = _("折扣应大于 0、小于 100（减去的百分比），最多两位小数")
    return value


def _clean_scope_ids(scope_kind: object, raw: object, merchant: Merchant, errors: Errors) -> list[int]:
    if scope_kind not in (ScopeKind.CATEGORIES, ScopeKind.PRODUCTS):
        return []
    if (not isinstance(raw, list | tuple) or not raw or len(raw) > MAX_SCOPE_IDS
            or any(isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**31 for pk in raw)):
        errors["scope_ids"] = _("请选择 1 到 %(max)s 个类目或商品") % {"max": MAX_SCOPE_IDS}
        return []
    ids = sorted(set(raw))
    if scope_kind == ScopeKind.CATEGORIES:
        found = set(Category.objects.filter(pk__in=ids).values_list("pk", flat=True))
    else:  # products the merchant sells
        found = set(Listing.objects.filter(merchant=merchant, product_id__in=ids).values_list("product_id", flat=True))
    if missing := [pk for pk in ids if pk not in found]:
        errors["scope_ids"] = _("没有这些类目或商品：%(ids)s") % {"ids": ", ".join(map(str, missing[:10]))}
    return ids


# --- never below cost ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """The parts of an offer the below-cost rule reads."""

    kind: str
    value: Decimal
    threshold_fen: int
    max_discount_fen: int | None
    scope_kind: str
    scope_ids: Sequence[int]


def lowest_unit_price(price_fen: int, terms: Terms) -> int:
    """The least one unit at `price_fen` can cost after the offer. An amount off is shared over the
    eligible lines in proportion (spec §1), and the order must reach the threshold, so a unit carries
    at most value × price / max(price, threshold), rounded up."""
    if terms.kind == Kind.AMOUNT:
        base = max(price_fen, terms.threshold_fen, 1)
        off = -(-min(int(terms.value), base) * price_fen // base)
    else:
        off = percent_of(price_fen, terms.value)
        if terms.max_discount_fen is not None:
            off = min(off, terms.max_discount_fen)
    return max(0, price_fen - min(off, price_fen))


def _listings_in_scope(merchant: Merchant, terms: Terms) -> QuerySet[Listing]:
    rows = Listing.objects.filter(merchant=merchant, is_active=True).select_related("sku").order_by("pk")
    if terms.scope_kind == ScopeKind.PRODUCTS:
        return rows.filter(product_id__in=list(terms.scope_ids))
    if terms.scope_kind == ScopeKind.CATEGORIES:
        return rows.filter(product__category_id__in=sorted(categories_below(terms.scope_ids, category_tree())))
    return rows


def check_not_below_cost(*, merchant: Merchant, terms: Terms, funder: str, accept_loss: bool) -> None:
    """Refuse terms that could sell one of the merchant's listings in scope below its SKU's cost
    (`stores.pricing`), unless the merchant accepts the loss. A platform-funded discount is paid
    back into the line (spec §2), so the merchant loses nothing by it."""
    if accept_loss or funder == Funder.PLATFORM:
        return
    worst: tuple[int, int, int] | None = None  # (loss, listing id, lowest price)
    below = 0
    for listing in _listings_in_scope(merchant, terms):
        lowest = lowest_unit_price(listing.price_fen, terms)
        if not listing_price_allowed(price_fen=lowest, cost_fen=listing.sku.cost_fen):
            below += 1
            loss = listing.sku.cost_fen - lowest
            if worst is None or loss > worst[0]:
                worst = (loss, listing.pk, lowest)
    if worst is not None:
        loss, listing_id, lowest = worst
        raise InvalidInput(
            "The discount could sell a listing below its cost; pass accept_loss to allow it.",
            code="campaign_below_cost",
            detail={"listing_id": listing_id, "price_fen": lowest, "cost_fen": lowest + loss, "listings": below},
        )


def check_clean_not_below_cost(merchant: Merchant, clean: Mapping[str, Any], accept_loss: bool) -> None:
    """`check_not_below_cost` for the cleaned fields of a promotion or a coupon template."""
    terms = Terms(kind=clean["kind"], value=clean["value"], threshold_fen=clean["threshold_fen"],
                  max_discount_fen=clean["max_discount_fen"], scope_kind=clean["scope_kind"],
                  scope_ids=clean["scope_ids"])
    check_not_below_cost(merchant=merchant, terms=terms, funder=clean["funder"], accept_loss=accept_loss)


# --- activities (秒杀, 拼团, 砍价): one listing of the merchant at the activity's own unit price ---


def activity_name_and_funder(values: Mapping[str, Any], errors: Errors, *, actor: User) -> None:
    """The checks every activity's fields share: a name, and a funder that only platform staff may
    set to the platform (each bad field named in `errors`)."""
    name = (values.get("name") or "").strip()
    if not name or len(name) > MAX_NAME:
        errors["name"] = _("请填写名称（%(max)s 字以内）") % {"max": MAX_NAME}
    funder = values.get("funder")
    if funder not in Funder.values:
        errors["funder"] = _("出资方无效")
    elif funder == Funder.PLATFORM and actor.role != Role.PLATFORM:
        errors["funder"] = _("只有平台可以设置平台出资")


#: how long a group buy or a bargain may run
ACTIVITY_WINDOW = timedelta(days=90)


def activity_window(values: Mapping[str, Any], errors: Errors) -> None:
    """A group buy's or a bargain's `starts_at` … `ends_at`: at most 90 days, ending in the future."""
    starts = moment(values, "starts_at", errors, optional=False)
    ends = moment(values, "ends_at", errors, optional=False)
    if starts is not None and ends is not None and not starts < ends <= starts + ACTIVITY_WINDOW:
        errors["ends_at"] = _("结束时间须晚于开始时间，且活动不超过 90 天")
    if ends is not None and ends <= clock.now():
        errors["ends_at"] = _("结束时间须在将来")


def activity_listing(listing_id: object, errors: Errors, *, merchant: Merchant) -> Listing | None:
    """The merchant's listing an activity is on, with its SKU (for the cost); None, and the field
    named in `errors`, for anything else."""
    listing = (Listing.objects.select_related("sku").filter(pk=listing_id, merchant=merchant).first()
               if isinstance(listing_id, int) and not isinstance(listing_id, bool) else None)
    if listing is None:
        errors["listing_id"] = _("没有这个商品")
    return listing


def check_activity_cost(listing: Listing, *, lowest_fen: int, funder: str, accept_loss: bool, what: str) -> None:
    """An activity's lowest unit price never below the SKU's cost (`stores.pricing`) unless the
    merchant accepts the loss; a platform-funded discount is paid back into the line (spec §2)."""
    if accept_loss or funder == Funder.PLATFORM:
        return
    if not listing_price_allowed(price_fen=lowest_fen, cost_fen=listing.sku.cost_fen):
        raise InvalidInput(
            f"The {what} is below the listing's cost; pass accept_loss to allow it.",
            code="campaign_below_cost",
            detail={"listing_id": listing.pk, "price_fen": lowest_fen, "cost_fen": listing.sku.cost_fen,
                    "listings": 1},
        )


class _OwnStock(Protocol):
    """A flash sale or a group buy: its own stock, taken from the SKU when it was created."""

    pk: int
    status: str
    stock: int
    sold: int
    held: int
    returned: int
    listing: Listing


def own_stock_end(activity: _OwnStock) -> None:
    """Under the activity's row lock: status ended, and the units neither sold, held nor returned go
    back to the SKU, once (held units follow their orders: paid → sold, released → the SKU)."""
    from linkmall.catalog.services import sku_stock_release

    back = activity.stock - activity.sold - activity.held - activity.returned
    type(activity)._default_manager.filter(pk=activity.pk).update(  # type: ignore[attr-defined]
        status=CampaignStatus.ENDED, returned=F("returned") + back)
    if back:
        sku_stock_release(sku_id=activity.listing.sku_id, quantity=back)
    activity.status = CampaignStatus.ENDED
    activity.returned += back
