"""Guides earn (导购提成 / 团队管理奖励): a merchant's terms for its guides, who is paid on an order,
and what each guide has earned (docs/o2o.md, "Guides earn").

- **Commission** (导购提成): `commission_percent` of the goods' paid amount of an order attributed
  to a guide of the merchant: the order's own guide (the card or share that brought the buyer,
  `Order.guide`), else the guide who sent the coupon the order used (导购发券), else — for a pick-up
  order — the guide who hands it over at the counter (`order_pickup_guide`, at 核销).
- **Management reward** (团队管理奖励): `team_percent` of the same amount when the buyer was bound
  by a promoter whom a guide of the merchant invited: one level only (the guide → the promoter →
  the promoter's customer), never further down. It is team pay (团队计酬), so the terms' compliance
  review says so and the merchant acknowledges it before it applies; above
  `TEAM_PERCENT_MAX` it is refused. The platform's kill switch stops it for orders paid meanwhile.

Who and at what rate is fixed on the order's `OrderSettlement` at payment; the money is a target of
the settlement (`referral.settlement`): out of the merchant's share into the guide's ledger account
(`OwnerKind.GUIDE`, owner id = the guide), pending until the order settles, then available, and
moved back with every refund as the other shares are.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Q, Sum

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role, require_tenant
from linkmall.campaigns.models import GuideCoupon
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.core.money import percent_of
from linkmall.ledger.models import Bucket, Entry, OwnerKind
from linkmall.orders.models import Order
from linkmall.referral.models import GuidePay, OrderSettlement, Promoter
from linkmall.referral.plans import Risk, guide_pay_risks
from linkmall.stores.models import Guide

#: a commission above this share of the price is refused: the merchant would sell at a loss
COMMISSION_PERCENT_MAX = Decimal(30)
#: team pay above this share is refused (high risk, 禁止传销条例 Art. 7(3))
TEAM_PERCENT_MAX = Decimal(10)


def terms_of(merchant_id: int) -> GuidePay | None:
    return GuidePay.objects.filter(merchant_id=merchant_id).first()


def _percent(value: object, field: str, maximum: Decimal) -> Decimal:
    try:
        percent = Decimal(str(value).strip().rstrip("%") or "0")
    except (InvalidOperation, ValueError):
        raise InvalidInput("A percentage must be a number.", detail={"fields": {field: "请输入数字"}}) from None
    if not percent.is_finite() or percent < 0 or percent > maximum:
        raise InvalidInput(f"{field} must be between 0 and {maximum}.",
                           detail={"fields": {field: f"须在 0 到 {maximum} 之间"}, "max": str(maximum)})
    if percent != percent.quantize(Decimal("0.01")):
        raise InvalidInput("A percentage has at most two decimals.", detail={"fields": {field: "最多两位小数"}})
    return percent


def terms_review(*, commission_percent: object, team_percent: object) -> tuple[Decimal, Decimal, list[Risk]]:
    """Parse and review terms without saving them: (commission, team, risks). Bad input raises."""
    commission = _percent(commission_percent, "commission_percent", COMMISSION_PERCENT_MAX)
    team = _percent(team_percent, "team_percent", TEAM_PERCENT_MAX)
    return commission, team, guide_pay_risks(commission_percent=commission, team_percent=team)


def terms_set(*, actor: User, merchant_id: int, commission_percent: object, team_percent: object,
              acknowledge: bool = False) -> GuidePay:
    """Save a merchant's guide pay. Risks to acknowledge (the team pay) need `acknowledge`, else
    `compliance_ack_required` (409) with the risks; nothing is saved then. New terms apply to orders
    paid from now on; paid orders keep theirs."""
    require_role(actor, Role.MERCHANT_OWNER)
    require_tenant(actor, merchant_id, what="merchant")
    commission, team, risks = terms_review(commission_percent=commission_percent, team_percent=team_percent)
    if risks and not acknowledge:
        raise Conflict("The terms carry a compliance risk to acknowledge first.", code="compliance_ack_required",
                       detail={"risks": [r.as_dict() for r in risks]})
    now = clock.now()
    with transaction.atomic():
        terms, _created = GuidePay.objects.select_for_update().get_or_create(merchant_id=merchant_id)
        terms.commission_percent = commission
        terms.team_percent = team
        terms.compliance = [r.as_dict() for r in risks]
        terms.acknowledged_by = actor if risks else None
        terms.acknowledged_at = now if risks else None
        terms.updated_by = actor
        terms.updated_at = now
        terms.save()
    return terms


# --- who is paid on an order ------------------------------------------------------------------------

def _active_guide(guide_id: int | None, merchant_id: int) -> Guide | None:
    if guide_id is None:
        return None
    return Guide.objects.filter(pk=guide_id, merchant_id=merchant_id, is_active=True).first()


def _commission_guide(order: Order) -> Guide | None:
    guide = _active_guide(order.guide_id, order.merchant_id)
    if guide is None and order.coupon_id is not None:
        grant = GuideCoupon.objects.filter(coupon_id=order.coupon_id).values_list("guide_id", flat=True).first()
        guide = _active_guide(grant, order.merchant_id)
    return guide


def _team_guide(order: Order) -> Guide | None:
    """The guide who invited the promoter that bound the buyer; one level, never further up."""
    seller = Promoter.objects.filter(user_id=order.buyer_id).values_list("referrer_id", flat=True).first()
    if seller is None:
        return None
    inviter = Promoter.objects.filter(user_id=seller).values_list("referrer_id", flat=True).first()
    if inviter is None or inviter == order.buyer_id:
        return None
    return Guide.objects.filter(user_id=inviter, merchant_id=order.merchant_id, is_active=True).first()


def settlement_fill(settlement: OrderSettlement, *, paused: bool) -> None:
    """Fix who earns on a newly paid order and at what rate (called by `settlement.order_paid`
    before the first posting). A gift order pays no one. The rate is fixed even when no guide is
    known yet, so a pick-up's guide found at the counter is paid at the terms of the payment."""
    order = settlement.order
    terms = terms_of(order.merchant_id)
    if terms is None or order.kind == Order.Kind.GIFT:
        return
    if terms.commission_percent > 0:
        settlement.guide_percent = terms.commission_percent
        settlement.guide = _commission_guide(order)
    if terms.team_percent > 0 and not paused:
        team_guide = _team_guide(order)
        if team_guide is not None:
            settlement.team_guide = team_guide
            settlement.team_percent = terms.team_percent


@dataclass(frozen=True)
class GuideShares:
    commission: int
    team: int


def guide_targets(settlement: OrderSettlement, *, price_fen: int) -> GuideShares:
    """What the guides are owed on `price_fen`, the paid amount a line still holds."""
    commission = percent_of(price_fen, settlement.guide_percent) if settlement.guide_id else 0
    team = percent_of(price_fen, settlement.team_percent) if settlement.team_guide_id else 0
    return GuideShares(commission, team)


# --- what guides earned -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Earning:
    order_id: int
    order_number: str
    paid_at: object
    roles: tuple[str, ...]  # "commission" / "team"
    percent: str
    amount_fen: int
    settled: bool


def earnings_of(guide: Guide, *, limit: int = 200) -> list[Earning]:
    """The guide's orders, newest first, each with what the ledger holds for the guide on it (net
    of refunds). Three queries."""
    rows = list(OrderSettlement.objects.filter(Q(guide=guide) | Q(team_guide=guide))
                .select_related("order").order_by("-paid_at", "-order_id")[:limit])
    held = dict(Entry.objects.filter(account__owner_kind=OwnerKind.GUIDE, account__owner_id=guide.pk,
                                     posting__reference__in=[f"order:{s.order_id}" for s in rows])
                .values_list("posting__reference").annotate(total=Sum("amount_fen")))
    found = []
    for s in rows:
        roles = tuple(r for r, who in (("commission", s.guide_id), ("team", s.team_guide_id)) if who == guide.pk)
        percent = " + ".join(f"{p}%" for r, p in (("commission", s.guide_percent), ("team", s.team_percent))
                             if r in roles)
        found.append(Earning(s.order_id, s.order.number, s.paid_at, roles, percent,
                             int(held.get(f"order:{s.order_id}", 0)), s.settled_at is not None))
    return found


@dataclass(frozen=True)
class GuideTotal:
    guide: Guide
    pending_fen: int
    available_fen: int
    orders: int


def merchant_guide_totals(*, actor: User, merchant_id: int) -> list[GuideTotal]:
    """Every guide of the merchant with the money the ledger holds for it (the merchant's view)."""
    require_role(actor, Role.MERCHANT_OWNER, Role.PLATFORM)
    require_tenant(actor, merchant_id, what="merchant")
    guides = list(Guide.objects.filter(merchant_id=merchant_id).select_related("user", "store").order_by("store__name", "pk"))
    ids = [g.pk for g in guides]
    balances: dict[tuple[int, str], int] = {
        (owner, bucket): total for owner, bucket, total in
        Entry.objects.filter(account__owner_kind=OwnerKind.GUIDE, account__owner_id__in=ids)
        .values_list("account__owner_id", "account__bucket").annotate(total=Sum("amount_fen"))
    }
    counts: dict[int, int] = {}
    for field in ("guide_id", "team_guide_id"):
        for owner, n in (OrderSettlement.objects.filter(**{f"{field}__in": ids}).values_list(field)
                         .annotate(n=Count("pk"))):
            counts[owner] = counts.get(owner, 0) + n
    return [GuideTotal(g, balances.get((g.pk, Bucket.PENDING), 0), balances.get((g.pk, Bucket.AVAILABLE), 0),
                       counts.get(g.pk, 0)) for g in guides]


def guide_of(user: User) -> Guide:
    guide = Guide.objects.filter(user=user, is_active=True).select_related("merchant", "store").first()
    if guide is None:
        raise NotFound("You are not a guide.", code="not_a_guide")
    return guide
