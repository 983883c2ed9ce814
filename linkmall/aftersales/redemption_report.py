"""The redemption report (核销报表, docs/o2o.md "Redemption report"): per store and per calendar day
of the business time zone, what online coupons and pick-up orders brought into the stores.

The columns (`COLUMNS`), for store S and day D:

- **claimed** (领取): in-store coupons (到店核销券) of the merchant claimed on D that belong to S. A
  claimed coupon names no store, so it is given one: the store of the guide who gave it (导购发券,
  `GuideCoupon`), else the store of the guide who looks after the claimer at that merchant
  (`customers.Profile.guide`, as it is now), else none — those are the row "未归属门店" (store
  `None`), shown when the report covers every store. Online coupons are left out: they are used at
  checkout, and the campaign reports count them;
- **claimed_redeemed** (其中已核销): of those, the ones redeemed by now (at any store of the merchant);
- **redemption_rate** (核销率): claimed_redeemed ÷ claimed, in percent with one decimal, half up;
  none without a claim. It is the issue's "redeemed ÷ claimed among coupons claimed that day";
- **redeemed** (核销): coupon redemptions at S on D (`Redemption`, kind coupon, outcome redeemed),
  whenever the coupon was claimed;
- **revenue_fen** (到店消费额): Σ `purchase_fen` of those redemptions — the in-store purchases the
  coupons brought in;
- **pickups_waiting** (待自提): pick-up orders of S whose parcel had reached the store and was
  neither collected nor refunded at the end of D (for today: now; days after today: 0). A level,
  not a flow: the total of a period is its last day's;
- **pickups_done** (已自提): pick-up orders of S collected on D;
- **guide_commission_fen** (导购佣金): what the guides of S were booked on D (导购提成 and 团队管理奖励,
  `referral.guide_pay`): the sum of their ledger accounts' entries made on D, so a clawback on a
  refund counts, negative, on the refund's day, and settlement (pending → available) nets to zero.

An order leaves the waiting count when it is collected (`picked_up_at`) or closed by a refund (the
last succeeded refund's time; a refund is in `payments`, which is why the report lives in
`aftersales`, the layer above it).

Every number is aggregated in the database, eight queries whatever the number of rows: the stores
(a guide: their own), the claims, the coupon redemptions, the pick-ups collected, the pick-ups waiting
when the period starts, their arrivals and their departures per day (the waiting count of each day is the first plus the running sum of the
other two), the guides' commissions.

**Adding a column.** A column is a `Column` in `COLUMNS` and, for a flow (something that happens on
a day), a `Source` in `SOURCES`: a function of the `Scope` that yields (store id, day, {key: n}).
The page, the exports and the JSON follow `COLUMNS`.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateTimeField,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.models import Coupon
from linkmall.core import clock
from linkmall.core.errors import NotFound
from linkmall.core.tables import DOWNLOAD_FORMATS, Table, table_download, yuan
from linkmall.customers.models import Profile
from linkmall.ledger.models import Entry, OwnerKind
from linkmall.ledger.statements import day_range
from linkmall.orders.models import FulfilmentMode, Order, Redemption
from linkmall.payments.models import Refund
from linkmall.stores.models import Guide, Store

#: the default period: the last 30 days up to today
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    #: "count", "money" (fen) or "rate" (a percentage computed from other columns)
    kind: str = "count"
    #: a level at the end of the day (pick-ups waiting): a period's total is its last day's value
    level: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("claimed", gettext_lazy("领取")),
    Column("claimed_redeemed", gettext_lazy("其中已核销")),
    Column("redemption_rate", gettext_lazy("核销率"), kind="rate"),
    Column("redeemed", gettext_lazy("核销")),
    Column("revenue_fen", gettext_lazy("到店消费额"), kind="money"),
    Column("pickups_waiting", gettext_lazy("待自提"), level=True),
    Column("pickups_done", gettext_lazy("已自提")),
    Column("guide_commission_fen", gettext_lazy("导购佣金"), kind="money"),
)
#: the columns that hold numbers of their own (every one but the rates)
VALUE_KEYS = tuple(c.key for c in COLUMNS if c.kind != "rate")


def rate_permille(part: int, whole: int) -> int | None:
    """part / whole in tenths of a percent, half up; None when whole is 0."""
    if not whole:
        return None
    return (2000 * part + whole) // (2 * whole)


def rate_text(permille: int | None) -> str | None:
    """66.7 for 667‰; None stays None."""
    return None if permille is None else f"{permille // 10}.{permille % 10}"


@dataclass
class ReportRow:
    """One store on one day, a day over the stores, a store over the period, or everything."""

    day: date | None
    store_id: int | None
    store_name: str
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VALUE_KEYS, 0))

    @property
    def rate_permille(self) -> int | None:
        return rate_permille(self.values["claimed_redeemed"], self.values["claimed"])

    @property
    def rate(self) -> str | None:
        return rate_text(self.rate_permille)

    def value(self, column: Column) -> int | str | None:
        return self.rate if column.kind == "rate" else self.values[column.key]

    def add(self, other: "ReportRow") -> None:
        for key in VALUE_KEYS:
            self.values[key] += other.values[key]


@dataclass(frozen=True)
class StoreRef:
    #: None: the claims no store could be given ("未归属门店")
    id: int | None
    name: str


@dataclass(frozen=True)
class Scope:
    """What a report covers: the merchant, its stores (or one), the period as [start, end)."""

    merchant_id: int
    store_ids: tuple[int, ...]
    #: one store asked for (a guide's, or the owner's filter): unattributed claims are left out
    one_store: bool
    start: datetime
    end: datetime


@dataclass(frozen=True)
class DayRows:
    day: date
    stores: list[ReportRow]
    total: ReportRow


@dataclass(frozen=True)
class RedemptionReport:
    merchant_id: int
    #: the store asked for, or None for every store of the merchant
    store: StoreRef | None
    date_from: date
    date_to: date
    stores: list[StoreRef]
    #: every day of the period, oldest first, days without anything included
    days: list[DayRows]
    #: each store over the period, in the order of `stores`
    store_totals: list[ReportRow]
    total: ReportRow

    @property
    def columns(self) -> tuple[Column, ...]:
        return COLUMNS


Cell = tuple[int | None, date, dict[str, int]]
Source = Callable[[Scope], Iterable[Cell]]


def _sum(expression: Any) -> Coalesce:
    return Coalesce(Sum(expression), Value(0), output_field=BigIntegerField())


def _claim_store() -> Coalesce:
    """The store a claimed coupon belongs to: its guide's (导购发券), else the claimer's guide's."""
    looked_after = Profile.objects.filter(user_id=OuterRef("user_id"), merchant_id=OuterRef("merchant_id"),
                                          guide__isnull=False).values("guide__store_id")[:1]
    return Coalesce(F("guide_grant__guide__store_id"), Subquery(looked_after), output_field=BigIntegerField())


def claims(scope: Scope) -> Iterator[Cell]:
    """In-store coupons claimed per (store, day), and how many of them are redeemed by now."""
    rows = (Coupon.objects.filter(merchant_id=scope.merchant_id, template__in_store=True,
                                  claimed_at__gte=scope.start, claimed_at__lt=scope.end)
            .annotate(store=_claim_store()))
    if scope.one_store:
        rows = rows.filter(store__in=scope.store_ids)
    grouped = (rows.annotate(day=TruncDate("claimed_at")).values("store", "day")
               .annotate(n=Count("pk"), used=Count("pk", filter=Q(status=Coupon.Status.USED))).order_by())
    for found in grouped:
        yield found["store"], found["day"], {"claimed": found["n"], "claimed_redeemed": found["used"]}


def coupon_redemptions(scope: Scope) -> Iterator[Cell]:
    """Coupons redeemed per (store, day) and the in-store purchases they were redeemed on."""
    grouped = (Redemption.objects.filter(merchant_id=scope.merchant_id, store_id__in=scope.store_ids,
                                         kind=Redemption.Kind.COUPON, outcome=Redemption.Outcome.REDEEMED,
                                         at__gte=scope.start, at__lt=scope.end)
               .annotate(day=TruncDate("at")).values("store_id", "day")
               .annotate(n=Count("pk"), revenue=_sum("purchase_fen")).order_by())
    for found in grouped:
        yield found["store_id"], found["day"], {"redeemed": found["n"], "revenue_fen": found["revenue"]}


def _pickups(scope: Scope) -> QuerySet[Any, Any]:
    """The scope's pick-up orders whose parcel reached the store, with `left_at`: when they stopped
    waiting (collected, or closed by a refund), None while they still wait."""
    closed_at = (Refund.objects.filter(order_id=OuterRef("pk"), status=Refund.Status.SUCCEEDED)
                 .values("order_id").annotate(last=Max("succeeded_at")).values("last")[:1])
    closed = Q(status=Order.Status.CLOSED, picked_up_at__isnull=True)
    left_at = Case(When(picked_up_at__isnull=False, then=F("picked_up_at")),
                   When(closed, then=Coalesce(Subquery(closed_at), F("store_received_at"))), default=None,
                   output_field=DateTimeField())
    return (Order.objects.filter(merchant_id=scope.merchant_id, fulfilment_mode=FulfilmentMode.PICKUP,
                                 pickup_store_id__in=scope.store_ids, store_received_at__isnull=False)
            .annotate(left_at=left_at))


def pickups_done(scope: Scope) -> Iterator[Cell]:
    """Pick-up orders collected per (store, day)."""
    grouped = (Order.objects.filter(merchant_id=scope.merchant_id, fulfilment_mode=FulfilmentMode.PICKUP,
                                    pickup_store_id__in=scope.store_ids, picked_up_at__gte=scope.start,
                                    picked_up_at__lt=scope.end)
               .annotate(day=TruncDate("picked_up_at")).values("pickup_store_id", "day")
               .annotate(n=Count("pk")).order_by())
    for found in grouped:
        yield found["pickup_store_id"], found["day"], {"pickups_done": found["n"]}


def guide_commissions(scope: Scope) -> Iterator[Cell]:
    """What the guides of each store were booked per day: commission and management reward, net of
    clawbacks (the guide's pending → available move at settlement nets to zero)."""
    store_of = Guide.objects.filter(pk=OuterRef("account__owner_id")).values("store_id")[:1]
    grouped = (Entry.objects.filter(account__owner_kind=OwnerKind.GUIDE,
                                    account__owner_id__in=Guide.objects.filter(merchant_id=scope.merchant_id,
                                                                               store_id__in=scope.store_ids)
                                    .values("pk"),
                                    created_at__gte=scope.start, created_at__lt=scope.end)
               .annotate(store=Subquery(store_of), day=TruncDate("created_at")).values("store", "day")
               .annotate(total=_sum("amount_fen")).order_by())
    for found in grouped:
        yield found["store"], found["day"], {"guide_commission_fen": found["total"]}


#: the flows, each filling its columns per (store, day); a new column adds its source here
SOURCES: list[Source] = [claims, coupon_redemptions, pickups_done, guide_commissions]


def _waiting(scope: Scope, days: list[date]) -> dict[tuple[int, date], int]:
    """Pick-ups waiting at the end of each day per store: those waiting when the period starts, plus
    the arrivals, minus the departures (collected or refunded) up to that day. Three queries."""
    pickups = _pickups(scope)
    level: dict[int, int] = dict.fromkeys(scope.store_ids, 0)
    before = (pickups.filter(store_received_at__lt=scope.start)
              .filter(Q(left_at__isnull=True) | Q(left_at__gte=scope.start))
              .values("pickup_store_id").annotate(n=Count("pk")).order_by())
    for found in before:
        level[found["pickup_store_id"]] = found["n"]
    moves: dict[tuple[int, date], int] = {}
    arrived = (pickups.filter(store_received_at__gte=scope.start, store_received_at__lt=scope.end)
               .annotate(day=TruncDate("store_received_at")).values("pickup_store_id", "day")
               .annotate(n=Count("pk")).order_by())
    for found in arrived:
        key = (found["pickup_store_id"], found["day"])
        moves[key] = moves.get(key, 0) + found["n"]
    left = (pickups.filter(left_at__gte=scope.start, left_at__lt=scope.end)
            .annotate(day=TruncDate("left_at")).values("pickup_store_id", "day")
            .annotate(n=Count("pk")).order_by())
    for found in left:
        key = (found["pickup_store_id"], found["day"])
        moves[key] = moves.get(key, 0) - found["n"]
    today = clock.today()
    out: dict[tuple[int, date], int] = {}
    for day in days:
        for store_id in scope.store_ids:
            level[store_id] += moves.get((store_id, day), 0)
            out[(store_id, day)] = level[store_id] if day <= today else 0
    return out


def _stores(actor: User, store_id: int | None) -> tuple[int, StoreRef | None, list[StoreRef]]:
    """(merchant, the store asked for, the stores covered) for `actor`: a merchant owner sees every
    store of theirs or one, a guide their own store only. Another merchant's store is not found."""
    require_role(actor, Role.MERCHANT_OWNER, Role.GUIDE)
    if actor.role == Role.GUIDE:
        guide = Guide.objects.select_related("store").filter(user=actor, is_active=True).first()
        if guide is None or (store_id is not None and store_id != guide.store_id):
            raise NotFound("No such store at this merchant.", code="unknown_store", detail={"store_id": store_id})
        ref = StoreRef(guide.store_id, guide.store.name)
        return guide.merchant_id, ref, [ref]
    merchant_id = actor.tenant_id or 0
    stores = [StoreRef(pk, name) for pk, name in
              Store.objects.filter(merchant_id=merchant_id).order_by("pk").values_list("pk", "name")]
    if store_id is None:
        return merchant_id, None, stores
    chosen = [ref for ref in stores if ref.id == store_id]
    if not chosen:
        raise NotFound("No such store at this merchant.", code="unknown_store", detail={"store_id": store_id})
    return merchant_id, chosen[0], chosen


def default_range(date_from: date | None = None, date_to: date | None = None) -> tuple[date, date]:
    """The period when one end or both are not given: 30 days up to today."""
    date_to = date_to or clock.today()
    return date_from or date_to - timedelta(days=DEFAULT_DAYS - 1), date_to


def redemption_report(*, actor: User, store_id: int | None = None, date_from: date | None = None,
                      date_to: date | None = None) -> RedemptionReport:
    """The report over `date_from`–`date_to` (both included; default the last 30 days) for every
    store of the actor's merchant, or `store_id`. A merchant owner, or a guide for their own store.
    A backwards range or one over 366 days is `invalid_input`; another merchant's store
    `unknown_store` (404). Seven queries, whatever the number of rows."""
    date_from, date_to = default_range(date_from, date_to)
    start, end = day_range(date_from, date_to, what="A report")
    merchant_id, store, stores = _stores(actor, store_id)
    scope = Scope(merchant_id=merchant_id, store_ids=tuple(ref.id for ref in stores if ref.id is not None),
                  one_store=store is not None, start=start, end=end)
    days = [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]
    cells: dict[tuple[int | None, date], ReportRow] = {}
    names = {ref.id: ref.name for ref in stores}
    unattributed = StoreRef(None, _("未归属门店"))

    def cell(store_id: int | None, day: date) -> ReportRow:
        key = (store_id, day)
        if key not in cells:
            cells[key] = ReportRow(day=day, store_id=store_id, store_name=names.get(store_id, unattributed.name))
        return cells[key]

    for source in SOURCES:
        for found_store, day, values in source(scope):
            row = cell(found_store, day)
            for key, n in values.items():
                row.values[key] += n
    for (found_store, day), n in _waiting(scope, days).items():
        cell(found_store, day).values["pickups_waiting"] = n

    covered = list(stores)
    if store is None and any(key[0] is None for key in cells):
        covered.append(unattributed)
    day_rows: list[DayRows] = []
    store_totals = {ref.id: ReportRow(day=None, store_id=ref.id, store_name=ref.name) for ref in covered}
    total = ReportRow(day=None, store_id=None, store_name=_("全部门店"))
    for day in days:
        in_day = [cell(ref.id, day) for ref in covered]
        day_total = ReportRow(day=day, store_id=None, store_name=_("全部门店"))
        for row in in_day:
            day_total.add(row)
            store_totals[row.store_id].add(row)
        total.add(day_total)
        day_rows.append(DayRows(day=day, stores=in_day, total=day_total))
    # a level's total is its value on the last day, not a sum
    for column in COLUMNS:
        if column.level:
            last = day_rows[-1]
            for row in last.stores:
                store_totals[row.store_id].values[column.key] = row.values[column.key]
            total.values[column.key] = last.total.values[column.key]
    return RedemptionReport(merchant_id=merchant_id, store=store, date_from=date_from, date_to=date_to,
                            stores=covered, days=day_rows, store_totals=list(store_totals.values()), total=total)


# --- exports -----------------------------------------------------------------------------------------


def _cells(column: Column, row: ReportRow) -> object:
    value = row.value(column)
    if column.kind == "money":
        return yuan(int(value or 0))
    if column.kind == "rate":
        return None if value is None else f"{value}%"
    return value


def report_table(report: RedemptionReport) -> Table:
    """The report as one table: a row per day and store (and the day over every store when there
    are several), then each store over the period and the total."""
    header = [_("日期"), _("门店"), *[str(c.label) for c in COLUMNS]]
    rows: list[list[object]] = []
    several = len(report.stores) > 1
    for day in report.days:
        for row in day.stores:
            rows.append([day.day.isoformat(), row.store_name, *[_cells(c, row) for c in COLUMNS]])
        if several:
            rows.append([day.day.isoformat(), day.total.store_name, *[_cells(c, day.total) for c in COLUMNS]])
    for row in report.store_totals if several else []:
        rows.append([_("合计"), row.store_name, *[_cells(c, row) for c in COLUMNS]])
    rows.append([_("合计"), report.total.store_name if several else report.stores[0].name if report.stores else "",
                 *[_cells(c, report.total) for c in COLUMNS]])
    store_name = report.store.name if report.store else _("全部门店")
    return Table(
        title=_("核销报表"),
        preamble=[[_("门店"), store_name],
                  [_("期间"), report.date_from.isoformat(), report.date_to.isoformat()],
                  [_("生成时间"), timezone.localtime(clock.now()).strftime("%Y-%m-%d %H:%M")]],
        header=header,
        rows=rows,
        widths=[12, 14, *[10] * len(COLUMNS)],
    )


EXPORT_FORMATS = DOWNLOAD_FORMATS


def report_filename(report: RedemptionReport) -> str:
    """The download's name without its extension."""
    where = f"store-{report.store.id}" if report.store else f"merchant-{report.merchant_id}"
    return f"redemptions-{where}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}"


def report_download(report: RedemptionReport, fmt: str) -> HttpResponse:
    """The report as an Excel workbook (`xlsx`) or a CSV file (`csv`), as an attachment."""
    return table_download(report_table(report), fmt=fmt, filename=report_filename(report))
