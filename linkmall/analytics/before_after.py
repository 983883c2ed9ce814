"""The before/after table (转型成效, issue 12 part 3): the merchant's KPIs over two periods side by
side, and the change of each (docs/analytics.md "Before/after").

Each period is a range of local calendar days checked like any KPI period (`kpis.scope_for`); the
KPIs are `kpis.merchant_kpis`, defined once there. The change of a KPI is `after − before`: for
money, counts and other numbers also relative to before, in percent (one decimal, half up); for a
rate the difference in percentage points. Any change with a null side is null, and so is the
relative change when before is 0. It only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linkmall.analytics.kpis import Kpis, Scope, merchant_kpis, scope_for
from linkmall.core.errors import InvalidInput
from linkmall.core.money import fen_to_yuan
from linkmall.core.tables import Percent, Table, yuan

#: the default periods: the last DEFAULT_DAYS local days up to today ("after") and as many before them
DEFAULT_DAYS = 90
#: the days a period may cover at all (outside, a date is `invalid_input`)
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)

Kind = Literal["money", "count", "number", "rate"]
Value = int | Decimal | None


@dataclass(frozen=True)
class KpiLine:
    """How a KPI shows: its Chinese label, its kind (money in fen, a count, a number, a rate as a
    fraction) and, for the KPIs not computed yet, why."""

    key: str
    label: Promise
    kind: Kind
    not_computed: Promise | None = None


_NOT_YET = _("尚未计算：需要库存批次与库存快照等供应链数据（第 12 号需求第 5 部分）。")

LINES: tuple[KpiLine, ...] = (
    KpiLine("sales", _("销售额"), "money"),
    KpiLine("orders", _("订单数"), "count"),
    KpiLine("buyers", _("购买人数"), "count"),
    KpiLine("aov", _("客单价"), "money"),
    KpiLine("repurchase_rate", _("复购率"), "rate"),
    KpiLine("frequency", _("购买频次"), "number"),
    KpiLine("frequency_per_year", _("年化购买频次"), "number"),
    KpiLine("new_customers", _("新客数"), "count"),
    KpiLine("private_users", _("私域用户数"), "count"),
    KpiLine("marketing_cost", _("营销费用"), "money"),
    KpiLine("cac", _("获客成本"), "money"),
    KpiLine("inventory_turnover", _("库存周转率"), "number", not_computed=_NOT_YET),
    KpiLine("slow_mover_share", _("滞销品占比"), "rate"),
    KpiLine("loss_rate", _("损耗率"), "rate", not_computed=_NOT_YET),
)


def raw_value(kpis: Kpis, key: str) -> Value:
    """A KPI's raw value: fen for money, an int for a count, a 4-decimal Decimal for a number or a
    rate (a fraction), None where not defined or not computed."""
    values: dict[str, Value] = {
        "sales": kpis.sales_fen, "orders": kpis.orders, "buyers": kpis.buyers, "aov": kpis.aov_fen,
        "repurchase_rate": kpis.repurchase_rate, "frequency": kpis.frequency,
        "frequency_per_year": kpis.frequency_per_year, "new_customers": kpis.new_customers,
        "private_users": kpis.private_users, "marketing_cost": kpis.marketing_cost_fen, "cac": kpis.cac_fen,
        "inventory_turnover": None, "slow_mover_share": kpis.slow_mover_share, "loss_rate": None,
    }
    return values[key]


@dataclass(frozen=True)
class Change:
    """One KPI over the two periods and its change."""

    line: KpiLine
    before: Value
    after: Value
    #: after − before, in the KPI's unit (fen, count, number); None for a rate or a null side
    delta: Value
    #: delta ÷ before in percent, one decimal; None for a rate, a null side or before = 0
    percent: Decimal | None
    #: a rate's after − before in percentage points (two decimals); None otherwise
    points: Decimal | None

    @property
    def key(self) -> str:
        return self.line.key


def change_of(line: KpiLine, before: Value, after: Value) -> Change:
    """The change of one KPI, null-safe."""
    if before is None or after is None:
        return Change(line, before, after, None, None, None)
    if line.kind == "rate":
        points = (Decimal(after - before) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return Change(line, before, after, None, None, points)
    delta = after - before
    percent = None
    if before != 0:
        percent = (Decimal(delta) * 100 / Decimal(before)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Change(line, before, after, delta, percent, None)


@dataclass(frozen=True)
class BeforeAfter:
    before: Kpis
    after: Kpis
    changes: list[Change]

    @property
    def merchant_id(self) -> int:
        return self.after.scope.merchant.pk

    @property
    def store(self) -> Any:
        return self.after.scope.store


def default_periods(today: date) -> tuple[date, date, date, date]:
    """before_from, before_to, after_from, after_to: the last DEFAULT_DAYS days up to today and the
    DEFAULT_DAYS days before them."""
    return fill_periods(today=today)


def fill_periods(*, today: date, before_from: date | None = None, before_to: date | None = None,
                 after_from: date | None = None, after_to: date | None = None) -> tuple[date, date, date, date]:
    """The periods with what is not given filled in: "after" ends today and is DEFAULT_DAYS long;
    "before" ends the day before "after" starts and is DEFAULT_DAYS long. A date before EARLIEST
    or after LATEST is `invalid_input`."""
    for name, value in (("before_from", before_from), ("before_to", before_to), ("after_from", after_from),
                        ("after_to", after_to)):
        if value is not None and not EARLIEST <= value <= LATEST:
            raise InvalidInput(f"{name} must be between {EARLIEST} and {LATEST}.", detail={"field": name})
    after_to = after_to or today
    after_from = after_from or after_to - timedelta(days=DEFAULT_DAYS - 1)
    before_to = before_to or after_from - timedelta(days=1)
    before_from = before_from or before_to - timedelta(days=DEFAULT_DAYS - 1)
    return before_from, before_to, after_from, after_to


def before_after(*, merchant_id: int, before_from: date, before_to: date, after_from: date, after_to: date,
                 store_id: int | None = None) -> BeforeAfter:
    """The KPIs of the merchant (or one of its stores) over both periods and their changes. A bad
    period is `invalid_input`, an unknown merchant `unknown_merchant`, a store that is not the
    merchant's `unknown_store` (`kpis.scope_for`). A date outside EARLIEST–LATEST is
    `invalid_input` too. The periods may overlap or come in any order."""
    fill_periods(today=EARLIEST, before_from=before_from, before_to=before_to, after_from=after_from,
                 after_to=after_to)  # only the range check: every date is given
    before_scope: Scope = scope_for(merchant_id=merchant_id, date_from=before_from, date_to=before_to,
                                    store_id=store_id)
    after_scope = scope_for(merchant_id=merchant_id, date_from=after_from, date_to=after_to, store_id=store_id)
    before, after = merchant_kpis(before_scope), merchant_kpis(after_scope)
    changes = [change_of(line, raw_value(before, line.key), raw_value(after, line.key)) for line in LINES]
    return BeforeAfter(before=before, after=after, changes=changes)


# --- how it shows ----------------------------------------------------------------------------------


def _signed(text: str) -> str:
    return text if text.startswith("-") else "+" + text


def value_text(kind: Kind, value: Value) -> str:
    """A value for the page: ¥ yuan, a count, a number, a rate in percent; "—" for null."""
    if value is None:
        return "—"
    if kind == "money":
        return "¥" + fen_to_yuan(int(value))
    if kind == "rate":
        return str(Percent(Decimal(value)))
    return str(value)


def delta_text(change: Change) -> str:
    """The change for the page: "+¥290.00", "+3", "+16.67 个百分点", "—"."""
    if change.line.kind == "rate":
        return "—" if change.points is None else gettext("%(points)s 个百分点") % {"points": _signed(f"{change.points:.2f}")}
    if change.delta is None:
        return "—"
    if change.line.kind == "money":
        text = fen_to_yuan(int(change.delta))
        return ("-¥" + text[1:]) if text.startswith("-") else "+¥" + text
    return _signed(str(change.delta))


def percent_text(change: Change) -> str:
    return "—" if change.percent is None else _signed(str(change.percent)) + "%"


def _cell(kind: Kind, value: Value) -> object:
    if value is None:
        return None
    if kind == "money":
        return yuan(int(value))
    if kind == "rate":
        return Percent(Decimal(value))
    return value


def _period(scope: Scope) -> str:
    return f"{scope.date_from.isoformat()} – {scope.date_to.isoformat()}"


def table_of(result: BeforeAfter) -> Table:
    """The table as one Excel sheet or CSV file: a row per KPI with before, after, the change (yuan,
    counts, numbers; percentage points for a rate) and the relative change."""
    rows: list[list[object]] = []
    for change in result.changes:
        kind = change.line.kind
        rows.append([
            str(change.line.label), _cell(kind, change.before), _cell(kind, change.after),
            change.points if kind == "rate" else _cell(kind, change.delta),
            None if change.percent is None else Percent(change.percent / 100),
            "" if change.line.not_computed is None else str(change.line.not_computed),
        ])
    store = result.store
    return Table(
        title=gettext("转型成效"),
        preamble=[[gettext("门店"), store.name if store else gettext("全部门店")],
                  [gettext("之前"), result.before.scope.date_from.isoformat(), result.before.scope.date_to.isoformat()],
                  [gettext("之后"), result.after.scope.date_from.isoformat(), result.after.scope.date_to.isoformat()],
                  [gettext("金额单位为元；率类指标的变化为百分点。")]],
        header=[gettext("指标"), gettext("之前"), gettext("之后"), gettext("变化"), gettext("变化率"), gettext("说明")],
        rows=rows,
        widths=[14, 14, 14, 12, 10, 40],
    )


def filename_of(result: BeforeAfter) -> str:
    b, a = result.before.scope, result.after.scope
    where = f"store-{result.store.pk}" if result.store else f"merchant-{result.merchant_id}"
    return (f"before-after-{where}-{b.date_from:%Y%m%d}-{b.date_to:%Y%m%d}"
            f"-{a.date_from:%Y%m%d}-{a.date_to:%Y%m%d}")


def _json_value(kind: Kind, value: Value) -> str | int | float | None:
    if value is None:
        return None
    if kind == "money":
        return fen_to_yuan(int(value))
    if kind == "count":
        return int(value)
    return float(value)


def as_json(result: BeforeAfter) -> dict[str, Any]:
    """The API's answer: both periods and a row per KPI (KPI_KEYS order). Money is yuan strings,
    counts integers, numbers and rates (fractions) JSON numbers; `change` is after − before (null
    for a rate), `change_percent` the change relative to before in percent, `change_points` a rate's
    change in percentage points."""
    store = result.store

    def period(scope: Scope) -> dict[str, Any]:
        return {"date_from": scope.date_from, "date_to": scope.date_to, "days": scope.days}

    return {
        "merchant_id": result.merchant_id,
        "store": None if store is None else {"id": store.pk, "name": store.name},
        "before": period(result.before.scope), "after": period(result.after.scope),
        "kpis": [{
            "key": c.key, "label": str(c.line.label), "kind": c.line.kind, "computed": c.line.not_computed is None,
            "before": _json_value(c.line.kind, c.before), "after": _json_value(c.line.kind, c.after),
            "change": None if c.line.kind == "rate" else _json_value(c.line.kind, c.delta),
            "change_percent": None if c.percent is None else float(c.percent),
            "change_points": None if c.points is None else float(c.points),
        } for c in result.changes],
    }


def _direction(change: Change) -> str:
    moved = change.points if change.line.kind == "rate" else change.delta
    if moved is None or moved == 0:
        return ""
    return "up" if moved > 0 else "down"


def page_rows(result: BeforeAfter) -> list[dict[str, Any]]:
    """The page's rows: label, before, after, change, relative change as text, and a note."""
    return [{"key": c.key, "label": c.line.label, "kind": c.line.kind, "before": value_text(c.line.kind, c.before),
             "after": value_text(c.line.kind, c.after), "delta": delta_text(c), "percent": percent_text(c),
             "note": c.line.not_computed, "direction": _direction(c)}
            for c in result.changes]
