"""The redemption report's page (/console/merchant/redemptions/report/, URL name
`orders:redemption_report`, docs/o2o.md "Redemption report"): a store filter and a date range, the
totals, a chart of claimed and redeemed coupons per day with the redemption rate, a row per day and
per store, and the same table as Excel or CSV. A merchant owner sees every store of theirs, a guide
their own store (read-only, like everything here). Thin: parse, call the selector, render."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.aftersales.redemption_report import (
    DEFAULT_DAYS,
    EXPORT_FORMATS,
    RedemptionReport,
    ReportRow,
    rate_permille,
    redemption_report,
    report_download,
)
from linkmall.core import clock
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.core.params import db_id
from linkmall.ledger.pages.forms import StatementRangeForm
from linkmall.stores.models import Store

# --- the chart: inline SVG drawn on the server, no script -------------------------------------------

#: the drawing's coordinate box (it scales to the page's width)
#: about a phone's width in CSS pixels, so the axis labels read at their own size there
WIDTH, HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 26, 34, 10, 24


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    value: int


@dataclass(frozen=True)
class ChartDay:
    label: str
    tick: bool
    x_label: float
    claimed: Bar
    redeemed: Bar


def _nice_max(n: int) -> int:
    """The count axis' top: four grid steps of 1, 2 or 5 × 10ᵏ, at least 4, so every grid line is a
    whole number."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m * 4 >= n:
                return step * m * 4
        step *= 10


def chart(report: RedemptionReport) -> dict:
    """Bars of claimed (领取) and redeemed (核销) coupons per day, on the left axis; the redemption
    rate of each day's claims as a line on the right axis (0–100 %), broken on days without claims."""
    rows = [day.total for day in report.days]
    top = _nice_max(max((max(r.values["claimed"], r.values["redeemed"]) for r in rows), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(rows)
    bar = max(slot * 0.36, 0.8)
    every = max(1, round(len(rows) / 6))
    base = TOP + plot_h

    def y_of(n: int) -> float:
        return round(base - plot_h * n / top, 1)

    days: list[ChartDay] = []
    segments: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    dots: list[dict] = []
    for i, row in enumerate(rows):
        x0 = LEFT + i * slot
        mid = x0 + slot / 2
        claimed, redeemed = row.values["claimed"], row.values["redeemed"]
        days.append(ChartDay(
            label=f"{row.day:%m-%d}" if row.day else "", tick=(len(rows) - 1 - i) % every == 0,
            x_label=round(mid, 1),
            claimed=Bar(round(mid - bar, 1), y_of(claimed), round(base - y_of(claimed), 1), claimed),
            redeemed=Bar(round(mid, 1), y_of(redeemed), round(base - y_of(redeemed), 1), redeemed)))
        permille = rate_permille(row.values["claimed_redeemed"], claimed)
        if permille is None:
            if current:
                segments.append(current)
            current = []
            continue
        point = (round(mid, 1), round(base - plot_h * permille / 1000, 1))
        current.append(point)
        dots.append({"x": point[0], "y": point[1], "rate": f"{permille // 10}.{permille % 10}"})
    if current:
        segments.append(current)
    grid = [{"y": y_of(top * k // 4), "count": top * k // 4, "rate": 25 * k} for k in range(5)]
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "base": base,
        "bar": round(bar, 1), "days": days, "grid": grid, "label_y": base + 14, "rate_x": WIDTH - RIGHT + 4,
        "lines": [" ".join(f"{x},{y}" for x, y in seg) for seg in segments if len(seg) > 1], "dots": dots,
    }


# --- the page ---------------------------------------------------------------------------------------


def _store_id(request) -> int | None:
    raw = request.GET.get("store", "")
    if not raw:
        return None
    number = db_id(raw)
    if number is None:
        raise Http404("No such store.")
    return number


def _report(request) -> RedemptionReport:
    date_from, date_to = StatementRangeForm(request.GET or None).range()
    store_id = _store_id(request)
    try:
        return redemption_report(actor=request.user, store_id=store_id, date_from=date_from, date_to=date_to)
    except NotFound:
        raise Http404("No such store.") from None
    except DomainError as exc:
        # a range the report refuses (backwards, longer than a year): say so and show the default
        messages.error(request, exc.message)
        date_to = clock.today()
        return redemption_report(actor=request.user, store_id=store_id,
                                 date_from=date_to - timedelta(days=DEFAULT_DAYS - 1), date_to=date_to)


def _shown(report: RedemptionReport, row: ReportRow) -> list[dict]:
    """A row's cells for the page: counts, money in yuan, a rate with % (— without claims)."""
    cells = []
    for column in report.columns:
        value = row.value(column)
        if column.kind == "money":
            text = fen_to_yuan(int(value or 0))
        elif column.kind == "rate":
            text = "—" if value is None else f"{value}%"
        else:
            text = str(value)
        cells.append({"key": column.key, "text": text, "label": column.label, "kind": column.kind})
    return cells


@require_GET
@role_required(Role.MERCHANT_OWNER, Role.GUIDE)
def redemption_report_page(request) -> HttpResponse:
    report = _report(request)
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return report_download(report, fmt)
    store = f"&store={report.store.id}" if report.store and request.user.role == Role.MERCHANT_OWNER else ""
    stores = report.stores if report.store is None else []
    all_stores = []
    if request.user.role == Role.MERCHANT_OWNER:
        all_stores = list(Store.objects.filter(merchant_id=report.merchant_id).order_by("pk").values("pk", "name"))
    return render(request, "aftersales/console/redemption_report.html", {
        "report": report, "total": report.total, "columns": report.columns,
        "days": [{"day": d.day, "cells": _shown(report, d.total),
}
                 for d in reversed(report.days)],
        "total_cells": _shown(report, report.total), "totals": _shown(report, report.total),
        "store_totals": [{"name": r.store_name, "cells": _shown(report, r)} for r in report.store_totals]
        if len(stores) > 1 else [],
        "base": "aftersales/console/_report_owner.html" if request.user.role == Role.MERCHANT_OWNER
        else "aftersales/console/_report_guide.html",
        "chart": chart(report), "all_stores": all_stores, "is_owner": request.user.role == Role.MERCHANT_OWNER,
        "nav": "redemption_report",
        "range": f"date_from={report.date_from:%Y-%m-%d}&date_to={report.date_to:%Y-%m-%d}{store}",
    })

