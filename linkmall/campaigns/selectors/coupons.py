"""The campaigns app's reads: what a checkout may use, the claim centre, the wallet, points, and the
merchant console's lists. Keyword-only, like every selector.

The orders app calls `checkout_offers`, `coupon_for_checkout` and `best_coupon` when it prices an
order with `pricing.price_order`; campaigns never reads orders, so the caller says whether this is
the buyer's first order at the merchant.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.db.models import Count, Q, QuerySet

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.models import (
    CampaignStatus,
    Coupon,
    CouponSource,
    CouponTemplate,
    PointsAccount,
    PointsEntry,
    Promotion,
)
from linkmall.campaigns.offers import category_tree, coupon_offer, needs_tree, promotion_offer
from linkmall.campaigns.pricing import LineIn, Offer, coupon_discount
from linkmall.campaigns.selectors.loyalty import points_and_level
from linkmall.campaigns.services._common import require_console, require_merchant_owner
from linkmall.campaigns.services.coupons import claim_source, is_new_customer, refuse_in_store, refuse_unusable
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.stores.models import Merchant
from linkmall.stores.selectors.merchant import merchant_id_of

# --- checkout ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutOffers:
    """Everything campaigns offers one buyer at one merchant now, for `pricing.price_order`."""

    promotions: list[Offer]
    #: the member level's percent off (0 without a level; selectors_loyalty.points_and_level)
    level_percent_off: Decimal
    points_held: int
    #: the buyer's coupons of this merchant usable online now, soonest to expire first (never an
    #: in-store coupon, so it is never preselected)
    coupons: list[tuple[Coupon, Offer]]


def active_promotions(*, merchant: Merchant, first_order: bool, now: datetime | None = None) -> QuerySet[Promotion]:
    """The merchant's promotions running now; new-customer ones only for a first order."""
    moment = now or clock.now()
    rows = Promotion.objects.filter(merchant=merchant, status=CampaignStatus.ACTIVE, starts_at__lte=moment).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=moment))
    if not first_order:
        rows = rows.filter(new_customers_only=False)
    return rows.order_by("pk")


def usable_coupons(*, buyer: User, merchant: Merchant, now: datetime | None = None) -> QuerySet[Coupon]:
    moment = now or clock.now()
    return (Coupon.objects.filter(user=buyer, merchant=merchant, status=Coupon.Status.AVAILABLE,
                                  valid_from__lte=moment, valid_until__gt=moment)
            .select_related("template").order_by("valid_until", "pk"))


def checkout_offers(*, buyer: User, merchant: Merchant, first_order: bool) -> CheckoutOffers:
    """The promotions, level discount, points and coupons a checkout of `buyer` at `merchant` may use.
    `first_order`: the buyer has no earlier paid order at the merchant (new-customer promotions)."""
    now = clock.now()
    promotions = list(active_promotions(merchant=merchant, first_order=first_order, now=now))
    coupons = list(usable_coupons(buyer=buyer, merchant=merchant, now=now).filter(template__in_store=False))
    tree = category_tree() if needs_tree([*promotions, *(c.template for c in coupons)]) else None
    held, level_percent_off = points_and_level(buyer=buyer, merchant=merchant)
    return CheckoutOffers(
        promotions=[promotion_offer(p, tree) for p in promotions],
        level_percent_off=level_percent_off,
        points_held=held,
        coupons=[(c, coupon_offer(c, tree)) for c in coupons],
    )


def coupon_for_checkout(*, buyer: User, merchant: Merchant, coupon_id: int) -> tuple[Coupon, Offer]:
    """The buyer's coupon `coupon_id` as an offer for an order at `merchant`, or the refusal that
    says why not: another buyer's is not found; another merchant's `coupon_other_merchant`;
    `coupon_used`, `coupon_expired`, `coupon_not_started`; an in-store coupon `coupon_in_store_only`."""
    coupon = Coupon.objects.select_related("template").filter(pk=coupon_id, user=buyer).first()
    if coupon is None:
        raise NotFound("No such coupon.")
    if coupon.merchant_id != merchant.pk:
        raise Conflict("This coupon is for another shop.", code="coupon_other_merchant",
                       detail={"coupon_id": coupon.pk, "merchant_id": coupon.merchant_id})
    refuse_in_store(coupon)
    refuse_unusable(coupon, clock.now())
    tree = category_tree() if needs_tree([coupon.template]) else None
    return coupon, coupon_offer(coupon, tree)


def best_coupon(*, lines: Sequence[LineIn], offers: CheckoutOffers) -> Coupon | None:
    """The usable coupon that takes most off these lines after the promotion and the level discount;
    ties go to the one that expires first. None when no coupon takes anything off."""
    best: tuple[int, datetime, int] | None = None
    chosen: Coupon | None = None
    for coupon, offer in offers.coupons:
        off = coupon_discount(lines, offer, level_percent_off=offers.level_percent_off, promotions=offers.promotions)
        if off <= 0:
            continue
        rank = (-off, coupon.valid_until, coupon.pk)
        if best is None or rank < best:
            best, chosen = rank, coupon
    return chosen


# --- the claim centre (领券中心) and the wallet ---------------------------------------------------------


ClaimState = Literal["open", "sold_out", "limit_reached", "not_started", "not_new_customer"]
#: the sources that put a template in the claim centre
CLAIM_CENTRE_SOURCES = (CouponSource.CLAIM, CouponSource.NEW_CUSTOMER)


@dataclass(frozen=True)
class Claimable:
    template: CouponTemplate
    #: how many the viewer holds already (0 for a visitor)
    claimed: int
    state: ClaimState
    #: the source a claim takes (`services.coupons.claim_source`): claim, or new_customer for a
    #: new-customer-only template (新人专享)
    source: str


def claimable_templates(*, merchant_id: int, user: User | None = None) -> list[Claimable]:
    """The merchant's coupons in its claim centre now or soon: active, offered to anyone (`claim`)
    or to new customers (`new_customer`), and not past their claim window or validity. A
    new-customer-only template is `not_new_customer` for a viewer who has bought at the merchant
    (the claim service has the last word). Three queries at most."""
    now = clock.now()
    rows = (CouponTemplate.objects.filter(merchant_id=merchant_id, status=CampaignStatus.ACTIVE)
            .filter(Q(claim_ends_at__isnull=True) | Q(claim_ends_at__gt=now))
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
            .select_related("geofence_store").order_by("-pk"))
    templates = [t for t in rows if any(source in t.sources for source in CLAIM_CENTRE_SOURCES)]
    viewer = user if user is not None and user.is_authenticated else None
    held: dict[int, int] = {}
    if viewer is not None and templates:
        held = dict(Coupon.objects.filter(user=viewer, template__in=[t.pk for t in templates])
                    .values("template").annotate(n=Count("pk")).values_list("template", "n"))
    new_only = any(claim_source(t) == CouponSource.NEW_CUSTOMER for t in templates)
    returning = viewer is not None and new_only and not is_new_customer(user=viewer, merchant_id=merchant_id)
    out = []
    for template in templates:
        source = claim_source(template)
        claimed = held.get(template.pk, 0)
        state: ClaimState = "open"
        if template.claim_starts_at is not None and now < template.claim_starts_at:
            state = "not_started"
        elif claimed >= template.per_user_limit:
            state = "limit_reached"
        elif returning and source == CouponSource.NEW_CUSTOMER:
            state = "not_new_customer"
        elif template.issued >= template.total:
            state = "sold_out"
        out.append(Claimable(template=template, claimed=claimed, state=state, source=source))
    return out


WalletTab = Literal["usable", "used", "expired"]
WALLET_TABS: tuple[WalletTab, ...] = ("usable", "used", "expired")


def my_coupons(*, user: User, tab: str, merchant_id: int | None = None) -> QuerySet[Coupon]:
    """The user's coupons on one tab of the wallet: usable (not used, not past their end, soonest
    to end first), used (latest first) or expired (including those the expiry task has not marked yet)."""
    now = clock.now()
    rows = Coupon.objects.filter(user=user).select_related("template", "merchant")
    if merchant_id is not None:
        rows = rows.filter(merchant_id=merchant_id)
    if tab == "usable":
        return rows.filter(status=Coupon.Status.AVAILABLE, valid_until__gt=now).order_by("valid_until", "pk")
    if tab == "used":
        return rows.filter(status=Coupon.Status.USED).order_by("-used_at", "-pk")
    if tab == "expired":
        return rows.filter(Q(status=Coupon.Status.EXPIRED)
                           | Q(status=Coupon.Status.AVAILABLE, valid_until__lte=now)).order_by("-valid_until", "-pk")
    raise InvalidInput("status is usable, used or expired.", detail={"fields": {"status": "usable | used | expired"}})


def wallet_state(coupon: Coupon, now: datetime | None = None) -> str:
    """usable / not_started / used / expired, as the wallet shows a coupon."""
    moment = now or clock.now()
    if coupon.status == Coupon.Status.USED:
        return "used"
    if coupon.status == Coupon.Status.EXPIRED or moment >= coupon.valid_until:
        return "expired"
    return "not_started" if moment < coupon.valid_from else "usable"


def points_accounts(*, user: User) -> QuerySet[PointsAccount]:
    return PointsAccount.objects.filter(user=user).select_related("merchant").order_by("merchant_id")


def points_entries(*, user: User, merchant_id: int) -> QuerySet[PointsEntry]:
    """The history of the user's points at a merchant, latest first (empty when never opened)."""
    return (PointsEntry.objects.filter(account__user=user, account__merchant_id=merchant_id)
            .order_by("-created_at", "-pk"))


# --- the merchant console --------------------------------------------------------------------------


def promotion_list(*, actor: User, merchant_id: int | None = None, status: str | None = None) -> QuerySet[Promotion]:
    rows = Promotion.objects.filter(merchant_id=merchant_id_of(actor=actor, merchant_id=merchant_id))
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-pk")


def promotion_get(*, actor: User, promotion_id: int) -> Promotion:
    require_console(actor)
    promotion = Promotion.objects.filter(pk=promotion_id).first()
    if promotion is None:
        raise NotFound("No such promotion.")
    require_merchant_owner(actor, promotion.merchant_id, what="promotion")
    return promotion


def coupon_template_list(*, actor: User, merchant_id: int | None = None,
                         status: str | None = None) -> QuerySet[CouponTemplate]:
    rows = CouponTemplate.objects.filter(merchant_id=merchant_id_of(actor=actor, merchant_id=merchant_id))
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-pk")


def coupon_template_get(*, actor: User, template_id: int) -> CouponTemplate:
    require_console(actor)
    template = CouponTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise NotFound("No such coupon template.")
    require_merchant_owner(actor, template.merchant_id, what="coupon template")
    return template


def consumer(user: User | None) -> User:
    """The logged-in consumer (the wallet and points are theirs alone)."""
    return require_role(user, Role.CONSUMER)
