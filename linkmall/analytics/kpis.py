"""The merchant's numbers (issue 12, part 1): every KPI defined once, here, and in docs/analytics.md.

A KPI covers one merchant, optionally one of its stores or guides, over calendar days of the
business time zone (`ledger.statements.day_range`: [start, end), never UTC days). It only reads.

**What counts as a purchase** (`counted_orders`, `counted_imports`): a mall order that was paid
(`paid_at` set), is a normal order (a gift order, `Order.Kind.GIFT`, is a prize, not a purchase)
and is not refunded in full (status `closed`, or refunded ≥ total); its value is what the buyer
still pays, `total_fen − refunded_fen` (goods and shipping, net of partial refunds as they stand
now). An order belongs to the period in which it was paid. A purchase imported with `linkmall
customers import` (`customers.Purchase`, source `import`) counts the same way on its day
(`occurred_at`), for `amount_fen − refunded_fen`. The mall's own purchase facts (source `mall`)
are copies of orders and are never read, so nothing counts twice. An import names no store and no
guide, so a store or guide filter leaves imports out.

Every number is aggregated in the database: `merchant_kpis` runs a fixed number of queries
whatever the orders (`QUERIES`; the tests hold it to that).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat

from linkmall.accounts.models import User
from linkmall.aftersales.redemption_report import Scope as ReportScope
from linkmall.aftersales.redemption_report import claims, coupon_redemptions
from linkmall.cards.models import CardHolding
from linkmall.core.errors import NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.customers.models import Layer, Profile, Purchase, ShareEdge
from linkmall.ledger.models import Bucket, Entry, OwnerKind
from linkmall.ledger.selectors import marketing_cost as ledger_marketing_cost
from linkmall.ledger.statements import day_range
from linkmall.orders.models import Order, OrderLine
from linkmall.referral.models import Promoter, Reward
from linkmall.stores.models import Guide, Listing, Merchant, Store

#: a listed SKU in stock with no sale in this many days up to the period's end is a slow mover
SLOW_MOVER_DAYS = 30
#: queries of `merchant_kpis` after the scope is resolved, whatever the number of orders
QUERIES = 11
#: the keys the command line prints at the top level, in this order
KPI_KEYS = ("sales", "orders", "buyers", "aov", "repurchase_rate", "frequency", "frequency_per_year",
            "new_customers", "private_users", "marketing_cost", "cac", "inventory_turnover",
            "slow_mover_share", "loss_rate")
PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Scope:
    """What the numbers cover: a merchant, maybe one store or guide, local days as [start, end)."""

    merchant: Merchant
    date_from: date
    date_to: date
    start: datetime
    end: datetime
    store: Store | None = None
    guide: Guide | None = None

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1


def scope_for(*, merchant_id: int, date_from: date, date_to: date, store_id: int | None = None,
              guide_id: int | None = None) -> Scope:
    """The scope, checked: a backwards period (or one over 366 days) is `invalid_input`; an unknown
    merchant `unknown_merchant`; a store or guide that is not the merchant's `unknown_store` /
    `unknown_guide`."""
    start, end = day_range(date_from, date_to, what="A KPI period")
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise NotFound(f"No merchant with id {merchant_id}.", code="unknown_merchant",
                       detail={"field": "merchant"})
    store = guide = None
    if store_id is not None:
        store = Store.objects.filter(pk=store_id, merchant=merchant).first()
        if store is None:
            raise NotFound(f"Merchant {merchant_id} has no store {store_id}.", code="unknown_store",
                           detail={"field": "store"})
    if guide_id is not None:
        guide = Guide.objects.filter(pk=guide_id, merchant=merchant).first()
        if guide is None:
            raise NotFound(f"Merchant {merchant_id} has no guide {guide_id}.", code="unknown_guide",
                           detail={"field": "guide"})
    return Scope(merchant=merchant, date_from=date_from, date_to=date_to, start=start, end=end,
                 store=store, guide=guide)


# --- what counts ----------------------------------------------------------------------------------


def counted_orders(merchant_id: int) -> QuerySet[Order]:
    """The merchant's mall orders that are purchases: paid, not a gift, not refunded in full."""
    return (Order.objects.filter(merchant_id=merchant_id, kind=Order.Kind.NORMAL, paid_at__isnull=False)
            .exclude(status__in=(Order.Status.CLOSED, Order.Status.CANCELLED))
            .exclude(refunded_fen__gt=0, refunded_fen__gte=F("total_fen")))


def counted_imports(merchant_id: int) -> QuerySet[Purchase]:
    """The merchant's imported purchases (`linkmall customers import`), by the same rule."""
    return (Purchase.objects.filter(merchant_id=merchant_id, source=Purchase.Source.IMPORT)
            .exclude(refunded_fen__gt=0, refunded_fen__gte=F("amount_fen")))


def _scoped_orders(scope: Scope, orders: QuerySet[Order]) -> QuerySet[Order]:
    if scope.store is not None:
        orders = orders.filter(store=scope.store)
    if scope.guide is not None:
        orders = orders.filter(guide=scope.guide)
    return orders


def period_orders(scope: Scope) -> QuerySet[Order]:
    return _scoped_orders(scope, counted_orders(scope.merchant.pk)).filter(
        paid_at__gte=scope.start, paid_at__lt=scope.end)


def period_imports(scope: Scope) -> QuerySet[Purchase]:
    if scope.guide is not None:
        return Purchase.objects.none()
    imports = counted_imports(scope.merchant.pk).filter(occurred_at__gte=scope.start, occurred_at__lt=scope.end)
    if scope.store is not None:
        imports = imports.filter(store=scope.store)
    return imports


def _references(orders: QuerySet[Order]) -> QuerySet[Any, Any]:
    """The ledger references ("order:<id>", `referral.settlement.order_reference`) of orders."""
    return orders.annotate(ref=Concat(Value("order:"), Cast("pk", CharField()), output_field=CharField())
                           ).values("ref")


def _sum(expression: Any) -> Coalesce:
    return Coalesce(Sum(expression), Value(0), output_field=BigIntegerField())


def _count_of(rows: QuerySet[Any, Any], field: str) -> Coalesce:
    counted = rows.values(field).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0), output_field=IntegerField())


# --- the numbers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpis:
    """The raw numbers (fen, counts) of a scope; the derived ones are properties, defined once."""

    scope: Scope
    sales_fen: int
    orders: int
    buyers: int
    repeat_buyers: int
    new_customers: int
    new_via_card: int
    new_via_referral: int
    new_via_share: int
    new_via_any: int
    private_users: int
    private_users_at_start: int
    private_layers: dict[str, int]
    ledger_marketing_fen: int
    referral_rewards_fen: int
    guide_pay_fen: int
    coupons_claimed: int | None
    coupons_claimed_redeemed: int | None
    coupons_redeemed: int | None
    coupon_revenue_fen: int | None
    listed_in_stock: int
    slow_movers: int

    @property
    def marketing_cost_fen(self) -> int:
        return self.ledger_marketing_fen + self.referral_rewards_fen + self.guide_pay_fen

    @property
    def aov_fen(self) -> int | None:
        return _fen_ratio(self.sales_fen, self.orders)

    @property
    def repurchase_rate(self) -> Decimal | None:
        return _ratio(self.repeat_buyers, self.buyers)

    @property
    def frequency(self) -> Decimal | None:
        return _ratio(self.orders, self.buyers)

    @property
    def frequency_per_year(self) -> Decimal | None:
        return _ratio(self.orders * 365, self.buyers * self.scope.days)

    @property
    def cac_fen(self) -> int | None:
        return _fen_ratio(self.marketing_cost_fen, self.new_customers)

    @property
    def marketing_share(self) -> Decimal | None:
        return _ratio(self.marketing_cost_fen, self.sales_fen) if self.sales_fen > 0 else None

    @property
    def new_via_any_share(self) -> Decimal | None:
        return _ratio(self.new_via_any, self.new_customers)

    @property
    def coupon_redemption_rate(self) -> Decimal | None:
        if self.coupons_claimed is None or self.coupons_claimed_redeemed is None:
            return None
        return _ratio(self.coupons_claimed_redeemed, self.coupons_claimed)

    @property
    def slow_mover_share(self) -> Decimal | None:
        return _ratio(self.slow_movers, self.listed_in_stock)

    def as_json(self) -> dict[str, Any]:
        """The command line's JSON: the KPI_KEYS at the top (yuan strings, 4-decimal numbers, null
        where not defined), everything else under `details`."""
        s = self.scope
        return {
            "sales": fen_to_yuan(self.sales_fen),
            "orders": self.orders,
            "buyers": self.buyers,
            "aov": _yuan(self.aov_fen),
            "repurchase_rate": _number(self.repurchase_rate),
            "frequency": _number(self.frequency),
            "frequency_per_year": _number(self.frequency_per_year),
            "new_customers": self.new_customers,
            "private_users": self.private_users,
            "marketing_cost": fen_to_yuan(self.marketing_cost_fen),
            "cac": _yuan(self.cac_fen),
            # not computed until the supply-side facts of issue 12 part 5 exist
            "inventory_turnover": None,
            "slow_mover_share": _number(self.slow_mover_share),
            "loss_rate": None,
            "details": {
                "merchant": s.merchant.pk,
                "store": s.store.pk if s.store else None,
                "guide": s.guide.pk if s.guide else None,
                "date_from": s.date_from.isoformat(),
                "date_to": s.date_to.isoformat(),
                "days": s.days,
                "repeat_buyers": self.repeat_buyers,
                "new_customers_via": {"card": self.new_via_card, "referral": self.new_via_referral,
                                      "share": self.new_via_share, "any": self.new_via_any},
                "new_customers_via_share": _number(self.new_via_any_share),
                "private_users_at_start": self.private_users_at_start,
                "private_users_growth": self.private_users - self.private_users_at_start,
                "private_layers": {layer: _number(_ratio(n, self.private_users))
                                   for layer, n in self.private_layers.items()},
                "marketing": {"ledger": fen_to_yuan(self.ledger_marketing_fen),
                              "referral_rewards": fen_to_yuan(self.referral_rewards_fen),
                              "guide_pay": fen_to_yuan(self.guide_pay_fen)},
                "marketing_share": _number(self.marketing_share),
                "coupons": {"claimed": self.coupons_claimed, "claimed_redeemed": self.coupons_claimed_redeemed,
                            "redemption_rate": _number(self.coupon_redemption_rate),
                            "redeemed": self.coupons_redeemed, "revenue": _yuan(self.coupon_revenue_fen)},
                "listed_in_stock": self.listed_in_stock,
                "slow_movers": self.slow_movers,
                "new_product_cycle": None,
            },
        }


def _ratio(part: int, whole: int) -> Decimal | None:
    """part ÷ whole to 4 decimals, half up; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(PLACES, rounding=ROUND_HALF_UP)


def _fen_ratio(fen: int, whole: int) -> int | None:
    """fen ÷ whole rounded half up to the fen; None when whole is 0."""
    if not whole:
        return None
    return int((Decimal(fen) / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else fen_to_yuan(fen)


def merchant_kpis(scope: Scope) -> Kpis:
    """Every KPI of the scope, in `QUERIES` queries whatever the number of orders (fewer for a store
    or a guide)."""
    orders = period_orders(scope)
    imports = period_imports(scope)
    # 1, 2: sales and orders
    o = orders.aggregate(n=Count("pk"), sales=_sum(F("total_fen") - F("refunded_fen")))
    i = imports.aggregate(n=Count("pk"), sales=_sum(F("amount_fen") - F("refunded_fen")))
    # 3: buyers, repeat buyers, new customers and where they came from
    b = _buyers(scope, orders, imports)
    # 4: private users and their layers
    p = _private_users(scope)
    # 5, 6, 7: marketing cost
    ledger_fen = _ledger_marketing(scope)
    rewards_fen = (Reward.objects.filter(order__in=orders).exclude(status=Reward.Status.CANCELLED)
                   .aggregate(total=_sum("amount_fen"))["total"])
    guide_fen = (Entry.objects.filter(account__owner_kind=OwnerKind.GUIDE, posting__reference__in=_references(orders))
                 .aggregate(total=_sum("amount_fen"))["total"])
    # 8, 9, 10: coupons (the redemption report's own queries)
    coupons = _coupons(scope)
    # 11: slow movers
    listed, slow = _slow_movers(scope)
    return Kpis(
        scope=scope, sales_fen=o["sales"] + i["sales"], orders=o["n"] + i["n"],
        buyers=b["buyers"], repeat_buyers=b["repeat"], new_customers=b["new"], new_via_card=b["new_card"],
        new_via_referral=b["new_referral"], new_via_share=b["new_share"], new_via_any=b["new_any"],
        private_users=p["at_end"], private_users_at_start=p["at_start"],
        private_layers={layer.value: p[f"layer_{layer.value}"] for layer in Layer},
        ledger_marketing_fen=ledger_fen, referral_rewards_fen=rewards_fen, guide_pay_fen=guide_fen,
        coupons_claimed=coupons[0], coupons_claimed_redeemed=coupons[1], coupons_redeemed=coupons[2],
        coupon_revenue_fen=coupons[3], listed_in_stock=listed, slow_movers=slow,
    )


def _buyers(scope: Scope, orders: QuerySet[Order], imports: QuerySet[Purchase]) -> dict[str, int]:
    """Distinct customers with a purchase in the period; those with two or more; the new ones (no
    purchase with the merchant before the period, in any store) and how the new ones came: a
    card (an order of theirs in the period names a guide), a referral (bound to a referrer in the
    invite graph before the period's end) or a share (opened a share of the merchant before then)."""
    m = scope.merchant.pk
    earlier_orders = counted_orders(m).filter(buyer_id=OuterRef("pk"), paid_at__lt=scope.start)
    earlier_imports = counted_imports(m).filter(user_id=OuterRef("pk"), occurred_at__lt=scope.start)
    users = (User.objects.filter(Q(pk__in=orders.values("buyer_id")) | Q(pk__in=imports.values("user_id")))
             .annotate(
                 n=_count_of(orders.filter(buyer_id=OuterRef("pk")), "buyer_id")
                 + _count_of(imports.filter(user_id=OuterRef("pk")), "user_id"),
                 earlier_order=Exists(earlier_orders), earlier_import=Exists(earlier_imports),
                 card=Exists(orders.filter(buyer_id=OuterRef("pk"), guide__isnull=False)),
                 referral=Exists(Promoter.objects.filter(user_id=OuterRef("pk"), referrer__isnull=False,
                                                         bound_at__lt=scope.end)),
                 share=Exists(ShareEdge.objects.filter(merchant_id=m, recipient__user_id=OuterRef("pk"),
                                                       first_at__lt=scope.end)),
             ))
    new = Q(earlier_order=False, earlier_import=False)
    found: dict[str, int] = users.aggregate(
        buyers=Count("pk"), repeat=Count("pk", filter=Q(n__gte=2)), new=Count("pk", filter=new),
        new_card=Count("pk", filter=new & Q(card=True)), new_referral=Count("pk", filter=new & Q(referral=True)),
        new_share=Count("pk", filter=new & Q(share=True)),
        new_any=Count("pk", filter=new & (Q(card=True) | Q(referral=True) | Q(share=True))),
    )
    return found


def _private_users(scope: Scope) -> dict[str, int]:
    """Customers the merchant can reach (私域): a profile with the merchant bound to one of its
    guides (`Profile.guide`, as it is now), or who keeps a card of one of its guides (名片夹), at
    the period's end and at its start (profile first seen / card saved before then)."""
    m = scope.merchant.pk
    holdings = CardHolding.objects.filter(user_id=OuterRef("user_id"), card__guide__merchant_id=m)
    bound = Q(guide__isnull=False)
    if scope.store is not None:
        holdings = holdings.filter(card__guide__store=scope.store)
        bound = Q(guide__store=scope.store)
    if scope.guide is not None:
        holdings = holdings.filter(card__guide=scope.guide)
        bound = Q(guide=scope.guide)
    profiles = Profile.objects.filter(merchant_id=m).annotate(
        held_end=Exists(holdings.filter(saved_at__lt=scope.end)),
        held_start=Exists(holdings.filter(saved_at__lt=scope.start)))
    at_end = Q(first_seen_at__lt=scope.end) & (bound | Q(held_end=True))
    at_start = Q(first_seen_at__lt=scope.start) & (bound | Q(held_start=True))
    layers = {f"layer_{layer.value}": Count("pk", filter=at_end & Q(layer=layer.value)) for layer in Layer}
    found: dict[str, int] = profiles.aggregate(at_end=Count("pk", filter=at_end),
                                               at_start=Count("pk", filter=at_start), **layers)
    return found


def _ledger_marketing(scope: Scope) -> int:
    """The merchant's marketing entries made in the period (discounts it funded, gift orders' cost,
    net of refunds); for a store or guide, only those booked for that store's or guide's orders."""
    m = scope.merchant.pk
    if scope.store is None and scope.guide is None:
        return ledger_marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=m, since=scope.start, until=scope.end)
    refs = _references(_scoped_orders(scope, Order.objects.filter(merchant_id=m)))
    total: int = (Entry.objects.filter(account__owner_kind=OwnerKind.MERCHANT, account__owner_id=m,
                                       account__bucket=Bucket.MARKETING, created_at__gte=scope.start,
                                       created_at__lt=scope.end, posting__reference__in=refs)
                  .aggregate(total=_sum("amount_fen"))["total"])
    return -total


def _coupons(scope: Scope) -> tuple[int | None, int | None, int | None, int | None]:
    """In-store coupons claimed, of those redeemed by now, redeemed in the period and the in-store
    revenue they brought: the redemption report's totals (aftersales.redemption_report). Per store
    only: under a guide filter they are None."""
    if scope.guide is not None:
        return None, None, None, None
    if scope.store is not None:
        store_ids: tuple[int, ...] = (scope.store.pk,)
    else:
        store_ids = tuple(Store.objects.filter(merchant=scope.merchant).values_list("pk", flat=True))
    report = ReportScope(merchant_id=scope.merchant.pk, store_ids=store_ids, one_store=scope.store is not None,
                         start=scope.start, end=scope.end)
    totals = {"claimed": 0, "claimed_redeemed": 0, "redeemed": 0, "revenue_fen": 0}
    for source in (claims, coupon_redemptions):
        for _store, _day, values in source(report):
            for key, n in values.items():
                totals[key] += n
    return totals["claimed"], totals["claimed_redeemed"], totals["redeemed"], totals["revenue_fen"]


def _slow_movers(scope: Scope) -> tuple[int, int]:
    """Active listings of the merchant whose SKU is in stock (now), and those of them without a
    sale — a purchase line not refunded in full, in the scope — in the last SLOW_MOVER_DAYS days up
    to the period's end."""
    since, _ = day_range(scope.date_to - timedelta(days=SLOW_MOVER_DAYS - 1), scope.date_to)
    sold = _scoped_orders(scope, counted_orders(scope.merchant.pk)).filter(paid_at__gte=since, paid_at__lt=scope.end)
    sale = OrderLine.objects.filter(listing_id=OuterRef("pk"), order__in=sold, quantity__gt=F("refunded_quantity"))
    found = (Listing.objects.filter(merchant=scope.merchant, is_active=True, sku__is_active=True, sku__stock__gt=0)
             .annotate(sold=Exists(sale))
             .aggregate(listed=Count("pk"), slow=Count("pk", filter=Q(sold=False))))
    return found["listed"], found["slow"]
