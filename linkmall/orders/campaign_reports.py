"""Per-campaign reports for the merchant console and the API (docs/specs/campaigns.md "Reports").

A report covers calendar days in the business time zone, both ends included, and gives for each
day and in total:

- **claims**: coupons the campaign gave out, by source (a promotion gives none);
- **uses**: coupons used on an order that was not cancelled (a coupon comes back when its unpaid
  order is cancelled, so it no longer counts), by the day of use; for a promotion, the orders
  placed with it that were not cancelled, by the day placed;
- **orders**: paid orders that used it, by the day paid (an order refunded later still counts);
- **revenue**: Σ (paid − refunded) of those orders' lines, i.e. what the buyers paid for the goods,
  net of refunds (shipping is outside);
- **cost**: Σ of the discount the campaign funded on those orders' lines, net of refunded units by
  the refund rule of §4 (`unit_share` of the step's amount over the units not refunded), split by
  funder. The ledger's marketing cost of a funder (`ledger.selectors.marketing_cost`) takes
  `unit_share` of a line's funded total instead of per step, so after a partial refund of a line
  carrying two discounts the two may differ by a fen per refunded line;
- **metrics**: an activity's own counts (flash sale: participants and units sold; bargain: bargains
  started, friends who helped, bargains bought, units sold), each a `Metric` of its `Subject`;
- **new customers**: buyers whose first paid order at the merchant used it (ties on the paid time
  go to the lower order id; gift orders are not purchases and count for neither side), and the cost
  per new customer (half up; none without one).

Revenue, cost and new customers of an order belong to the day it was paid, so a refund changes
that day's numbers, not the refund's day. Every number is aggregated in the database: a report
takes a constant number of queries, whatever the number of orders.

**Kinds of campaign.** A report reads a `Subject`: which coupons the campaign gave out, which of
the merchant's orders it took part in, which discount steps of a line it funded, and the
activity's own counts (`Metric`s: a count, a distinct count or a sum over rows of any model, each
by the local day of a time stamp). A new kind of campaign (share-to-get, invite tiers …) plugs in with a resolver that checks who may see it and
returns its `Subject`, registered with `register_subject("share", resolver)`; pages, API and
exports then serve `/campaigns/reports/share/<id>` with no other change. Share-to-get, invite, flash-sale
and bargain campaigns register theirs in `orders.campaign_subjects`. A cost step is an OrderLine amount and the
field naming its funder; an activity (flash sale, bargain, group buy) costs its funder L − A
(`ACTIVITY_STEP`); a gift (an invite-tier prize, P = 0) costs its funder the supplier cost C
of the units not refunded (`GIFT_STEP`, as `referral.settlement` books it).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least, Mod, TruncDate
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from linkmall.accounts.models import User
from linkmall.campaigns.models import Coupon, CouponSource, Funder
from linkmall.campaigns.offers import promotion_label, template_label
from linkmall.campaigns.selectors import coupon_template_get, promotion_get
from linkmall.core import clock
from linkmall.core.errors import NotFound
from linkmall.core.tables import DOWNLOAD_FORMATS, Table, table_download, yuan
from linkmall.ledger.statements import day_range
from linkmall.orders.models import Order, OrderLine


class Step(NamedTuple):
    """A cost a campaign funds on an order line: `amount`, over all the line's units, is an OrderLine
    field or an expression on OrderLine; `funder` the OrderLine field naming who pays it. The report
    takes `unit_share` of it over the units not refunded (§4)."""

    amount: Any
    funder: str


#: the discount steps of an order line
PROMOTION_STEP = Step("promotion_fen", "promotion_funder")
COUPON_STEP = Step("coupon_fen", "coupon_funder")
#: a gift order's line (an invite-tier prize): the supplier cost C × quantity, paid by the line's
#: funder (`activity_funder`, as `referral.settlement._gift_targets` books it); 0 on other orders
GIFT_STEP = Step(Case(When(order__kind=Order.Kind.GIFT,
                           then=ExpressionWrapper(F("unit_cost_fen") * F("quantity"), output_field=BigIntegerField())),
                      default=Value(0), output_field=BigIntegerField()),
                 "activity_funder")
#: an activity's line (flash sale, bargain, group buy): L − A, paid by `activity_funder`; 0 on a line
#: without an activity (A = L there)
ACTIVITY_STEP = Step(ExpressionWrapper(F("list_fen") - F("activity_fen"), output_field=BigIntegerField()),
                     "activity_funder")
#: the default period: the last 30 days up to today
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Metric:
    """An activity's own column: the `rows` it counts (any model, already narrowed to the campaign),
    each on the local day of its `stamp` field. Counted by default; `distinct` counts the distinct
    values of a field instead (someone who took part on two days counts on both days and once in the
    total, which is then a query of its own); `total` sums an expression over the rows instead. One
    query, two with `distinct`."""

    key: str
    label: str
    rows: QuerySet[Any, Any]
    stamp: str
    distinct: str | None = None
    total: Any = None


@dataclass(frozen=True)
class Subject:
    """What a report needs to know about one campaign."""

    kind: str
    id: int
    merchant_id: int
    name: str
    #: what it does in a few words, e.g. 满299元减50元
    label: str
    #: the coupons it gave out, as a filter on Coupon; None for a campaign that gives none
    coupons: Q | None
    #: the orders it took part in, as a filter on Order (the merchant is added by the report)
    orders: Q
    #: the discount steps it funded on those orders' lines
    steps: tuple[Step, ...]
    #: the coupon sources it gives out by, the claim columns of the report (None: every source)
    sources: tuple[str, ...] | None = None
    #: the activity's own columns, in order (participants, units sold, groups formed …)
    metrics: tuple[Metric, ...] = ()


Resolver = Callable[[User, int], Subject]


def _promotion_subject(actor: User, promotion_id: int) -> Subject:
    promotion = promotion_get(actor=actor, promotion_id=promotion_id)
    return Subject(kind="promotion", id=promotion.pk, merchant_id=promotion.merchant_id, name=promotion.name,
                   label=promotion_label(promotion), coupons=None, orders=Q(promotion_id=promotion.pk),
                   steps=(PROMOTION_STEP,))


def _template_subject(actor: User, template_id: int) -> Subject:
    template = coupon_template_get(actor=actor, template_id=template_id)
    return Subject(kind="coupon_template", id=template.pk, merchant_id=template.merchant_id, name=template.name,
                   label=template_label(template), coupons=Q(template_id=template.pk),
                   orders=Q(coupon__template_id=template.pk), steps=(COUPON_STEP,))


SUBJECTS: dict[str, Resolver] = {"promotion": _promotion_subject, "coupon_template": _template_subject}


def units_sold(*, orders: Q, merchant_id: int, activity_kind: str) -> Metric:
    """The activity's units sold: Σ (quantity − refunded) of its lines (`activity_kind`) on the paid
    orders among `orders`, by the day paid. A cancelled or expired order was never paid: not counted."""
    paid = Order.objects.filter(orders, merchant_id=merchant_id, paid_at__isnull=False).values("pk")
    lines = OrderLine.objects.filter(order__in=paid, activity_kind=activity_kind)
    return Metric("units", _("售出件数"), lines, "order__paid_at",
                  total=ExpressionWrapper(F("quantity") - F("refunded_quantity"), output_field=BigIntegerField()))


def register_subject(kind: str, resolver: Resolver) -> None:
    """Make another kind of campaign reportable (call it once, at import of the module that owns it)."""
    SUBJECTS[kind] = resolver


def subject_get(*, actor: User, kind: str, campaign_id: int) -> Subject:
    """The campaign `kind`/`campaign_id` if `actor` may see it (its merchant's owner, or platform
    staff); another merchant's campaign and an unknown kind are not found."""
    resolver = SUBJECTS.get(kind)
    if resolver is None:
        raise NotFound("No such kind of campaign.", detail={"kind": kind, "kinds": sorted(SUBJECTS)})
    return resolver(actor, campaign_id)


@dataclass
class ReportRow:
    """One day of a report (or the total, with `day` None). Money in fen."""

    day: date | None
    claims: dict[str, int] = field(default_factory=dict)
    uses: int = 0
    orders: int = 0
    revenue_fen: int = 0
    merchant_cost_fen: int = 0
    platform_cost_fen: int = 0
    new_customers: int = 0
    #: the subject's metrics by key (none for a coupon or a promotion)
    metrics: dict[str, int] = field(default_factory=dict)

    @property
    def claims_total(self) -> int:
        return sum(self.claims.values())

    @property
    def cost_fen(self) -> int:
        return self.merchant_cost_fen + self.platform_cost_fen

    @property
    def cost_per_new_customer_fen(self) -> int | None:
        """cost / new customers, half up; None without a new customer."""
        if not self.new_customers:
            return None
        return (2 * self.cost_fen + self.new_customers) // (2 * self.new_customers)

    def add(self, other: "ReportRow") -> None:
        for source, n in other.claims.items():
            self.claims[source] = self.claims.get(source, 0) + n
        self.uses += other.uses
        self.orders += other.orders
        self.revenue_fen += other.revenue_fen
        self.merchant_cost_fen += other.merchant_cost_fen
        self.platform_cost_fen += other.platform_cost_fen
        self.new_customers += other.new_customers
        for key, n in other.metrics.items():
            self.metrics[key] = self.metrics.get(key, 0) + n


@dataclass(frozen=True)
class CampaignReport:
    subject: Subject
    date_from: date
    date_to: date
    #: every day of the period, oldest first, days without anything included
    days: list[ReportRow]
    total: ReportRow

    @property
    def gives_coupons(self) -> bool:
        return self.subject.coupons is not None

    @property
    def sources(self) -> list[tuple[str, str]]:
        """The claim columns, (CouponSource value, label): none for a campaign that gives no coupons."""
        if not self.gives_coupons:
            return []
        wanted = self.subject.sources
        return [(str(value), str(label)) for value, label in CouponSource.choices
                if wanted is None or value in wanted]


def default_range(date_from: date | None = None, date_to: date | None = None) -> tuple[date, date]:
    """The period a report covers when one end or both are not given: 30 days up to today."""
    date_to = date_to or clock.today()
    return date_from or date_to - timedelta(days=DEFAULT_DAYS - 1), date_to


def _unit_share(amount: Any) -> ExpressionWrapper[Any]:
    """`campaigns.pricing.unit_share(amount, quantity, quantity − refunded)` in SQL: the part of a
    line amount that belongs to the units not refunded (§4). All terms are whole and not negative,
    so the integer division and the remainder are exact on SQLite and PostgreSQL."""
    if isinstance(amount, str):
        amount = F(amount)
    left = F("quantity") - F("refunded_quantity")
    each = ExpressionWrapper(amount / F("quantity"), output_field=BigIntegerField())
    extra = ExpressionWrapper(Mod(amount, F("quantity")), output_field=BigIntegerField())
    return ExpressionWrapper(left * each + Least(left, extra), output_field=BigIntegerField())


def _first_paid_order() -> Any:
    """The line's order is the buyer's first paid purchase at its merchant (gifts are not purchases)."""
    earlier = Order.objects.filter(buyer_id=OuterRef("order__buyer_id"), merchant_id=OuterRef("order__merchant_id"),
                                   kind=Order.Kind.NORMAL, paid_at__isnull=False).filter(
        Q(paid_at__lt=OuterRef("order__paid_at")) | Q(paid_at=OuterRef("order__paid_at"), pk__lt=OuterRef("order_id")))
    return Q(order__kind=Order.Kind.NORMAL) & ~Exists(earlier)


def _sum(expression: Any, **condition: object) -> Coalesce:
    return Coalesce(Sum(expression, filter=Q(**condition) if condition else None), Value(0),
                    output_field=BigIntegerField())


def _order_days(subject: Subject, start: datetime, end: datetime) -> Any:
    """Per day paid: the paid orders, their revenue, the cost by funder and the new customers."""
    orders = Order.objects.filter(subject.orders, merchant_id=subject.merchant_id, paid_at__gte=start,
                                  paid_at__lt=end)
    costs: dict[str, Any] = {}
    for funder in Funder.values:
        parts = [_sum(_unit_share(amount), **{funder_field: funder}) for amount, funder_field in subject.steps]
        total: Any = Value(0, output_field=BigIntegerField())
        for part in parts:
            total = total + part
        costs[f"{funder}_cost"] = ExpressionWrapper(total, output_field=BigIntegerField())
    return (OrderLine.objects.filter(order__in=orders.values("pk"))
            .annotate(day=TruncDate("order__paid_at"))
            .values("day")
            .annotate(orders=Count("order_id", distinct=True),
                      new_customers=Count("order_id", distinct=True, filter=_first_paid_order()),
                      revenue=_sum(F("paid_fen") - F("refunded_fen")),
                      **costs)
            .order_by("day"))


def _by_day(rows: QuerySet[Any, Any], stamp: str) -> QuerySet[Any, dict[str, Any]]:
    """`rows` grouped by the local calendar day of `stamp`."""
    grouped: QuerySet[Any, dict[str, Any]] = rows.annotate(day=TruncDate(stamp)).values("day")
    return grouped


def _in_period(metric: Metric, start: datetime, end: datetime) -> QuerySet[Any, Any]:
    return metric.rows.filter(**{f"{metric.stamp}__gte": start, f"{metric.stamp}__lt": end})


def _metric_days(metric: Metric, start: datetime, end: datetime) -> QuerySet[Any, dict[str, Any]]:
    """One metric per local day of its stamp."""
    grouped = _by_day(_in_period(metric, start, end), metric.stamp)
    if metric.total is not None:
        value: Any = _sum(metric.total)
    elif metric.distinct is not None:
        value = Count(metric.distinct, distinct=True)
    else:
        value = Count("pk")
    per_day: QuerySet[Any, dict[str, Any]] = grouped.annotate(n=value).values("day", "n").order_by("day")
    return per_day


def campaign_report(*, actor: User, kind: str, campaign_id: int, date_from: date | None = None,
                    date_to: date | None = None) -> CampaignReport:
    """The report of one campaign over `date_from`–`date_to` (default: the last 30 days). Four
    queries (three for a campaign that gives no coupons) plus one per metric (two for a distinct
    one), whatever the number of orders."""
    date_from, date_to = default_range(date_from, date_to)
    start, end = day_range(date_from, date_to, what="A report")
    subject = subject_get(actor=actor, kind=kind, campaign_id=campaign_id)
    days = {date_from + timedelta(days=i): ReportRow(day=date_from + timedelta(days=i))
            for i in range((date_to - date_from).days + 1)}

    if subject.coupons is not None:
        coupons = Coupon.objects.filter(subject.coupons, merchant_id=subject.merchant_id)
        claims = _by_day(coupons.filter(claimed_at__gte=start, claimed_at__lt=end), "claimed_at")
        for found in claims.annotate(n=Count("pk")).values("day", "source", "n"):
            days[found["day"]].claims[found["source"]] = found["n"]
        uses = _by_day(coupons.filter(status=Coupon.Status.USED, used_at__gte=start, used_at__lt=end), "used_at")
    else:
        placed = Order.objects.filter(subject.orders, merchant_id=subject.merchant_id, placed_at__gte=start,
                                      placed_at__lt=end).exclude(status=Order.Status.CANCELLED)
        uses = _by_day(placed, "placed_at")
    for found in uses.annotate(n=Count("pk")).values("day", "n"):
        days[found["day"]].uses = found["n"]
    for found in _order_days(subject, start, end):
        day = days[found["day"]]
        day.orders, day.new_customers, day.revenue_fen = found["orders"], found["new_customers"], found["revenue"]
        day.merchant_cost_fen, day.platform_cost_fen = found["merchant_cost"], found["platform_cost"]
    for metric in subject.metrics:
        for day_row in days.values():
            day_row.metrics[metric.key] = 0
        for found in _metric_days(metric, start, end):
            days[found["day"]].metrics[metric.key] = found["n"]
    total = ReportRow(day=None)
    for day_row in days.values():
        total.add(day_row)
    for metric in subject.metrics:
        if metric.distinct is not None:
            total.metrics[metric.key] = _in_period(metric, start, end).aggregate(
                n=Count(metric.distinct, distinct=True))["n"]
    return CampaignReport(subject=subject, date_from=date_from, date_to=date_to, days=list(days.values()),
                          total=total)


# --- exports -----------------------------------------------------------------------------------------


def report_table(report: CampaignReport) -> Table:
    """The report as one table, for `core.tables.xlsx_bytes` / `csv_bytes`: a row per day and a total."""
    sources = report.sources
    metrics = report.subject.metrics
    header = [_("日期"), *[_("领取·%(source)s") % {"source": label} for _source, label in sources]]
    if sources:
        header.append(_("领取合计"))
    header += [metric.label for metric in metrics]
    header += [_("使用"), _("订单"), _("成交额"), _("优惠成本"), _("其中商家出资"), _("其中平台出资"),
               _("新客"), _("新客成本")]

    def cells(row: ReportRow) -> list[object]:
        out: list[object] = [row.day.isoformat() if row.day else _("合计")]
        out += [row.claims.get(source, 0) for source, _label in sources]
        if sources:
            out.append(row.claims_total)
        out += [row.metrics.get(metric.key, 0) for metric in metrics]
        per_new = row.cost_per_new_customer_fen
        out += [row.uses, row.orders, yuan(row.revenue_fen), yuan(row.cost_fen), yuan(row.merchant_cost_fen),
                yuan(row.platform_cost_fen), row.new_customers, None if per_new is None else yuan(per_new)]
        return out

    subject = report.subject
    return Table(
        title=_("活动报表"),
        preamble=[[_("活动"), subject.name, subject.label],
                  [_("期间"), report.date_from.isoformat(), report.date_to.isoformat()],
                  [_("生成时间"), timezone.localtime(clock.now()).strftime("%Y-%m-%d %H:%M")]],
        header=header,
        rows=[cells(row) for row in [*report.days, report.total]],
        widths=[12, *[10] * (len(header) - 1)],
    )


def report_filename(report: CampaignReport) -> str:
    """The download's name without its extension."""
    subject = report.subject
    return f"campaign-{subject.kind}-{subject.id}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}"


EXPORT_FORMATS = DOWNLOAD_FORMATS


def report_download(report: CampaignReport, fmt: str) -> HttpResponse:
    """The report as an Excel workbook (`xlsx`) or a CSV file (`csv`), as an attachment."""
    return table_download(report_table(report), fmt=fmt, filename=report_filename(report))
