"""/api/v1/redeem/report: the redemption report (docs/o2o.md "Redemption report") for the
mini-program, as JSON or as the console's Excel / CSV download. In aftersales beside the report's
selector (`aftersales.redemption_report`), which reads payments' refunds."""

from datetime import date
from typing import Any, Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.aftersales.redemption_report import RedemptionReport, ReportRow, redemption_report, report_download
from linkmall.core.money import fen_to_yuan

router = Router(tags=["redeem"], auth=api_auth)


class RedemptionReportQuery(Schema):
    #: one store of the merchant; a guide's is always their own (default: every store)
    store_id: int | None = Field(None, ge=1, le=2**31 - 1)
    #: first and last calendar day, both included (default: the last 30 days up to today)
    date_from: date | None = None
    date_to: date | None = None
    format: Literal["json", "xlsx", "csv"] = "json"


class RedemptionRowOut(Schema):
    #: the day; null on a total over the period
    day: date | None
    #: the store; null on a total over the stores, and on in-store coupons claimed without a store
    store_id: int | None
    store_name: str
    #: in-store coupons claimed that day (given to the store through its guides)
    claimed: int
    #: of those, redeemed by now
    claimed_redeemed: int
    #: claimed_redeemed ÷ claimed in percent, one decimal ("66.7"); null without a claim
    redemption_rate: str | None
    #: coupons redeemed at the store that day
    redeemed: int
    #: the in-store purchases they were redeemed on
    revenue_fen: int
    revenue: str
    #: pick-up orders waiting in the store at the end of the day (a total: the last day's)
    pickups_waiting: int
    #: pick-up orders collected that day
    pickups_done: int
    #: what the store's guides were booked that day (commission and management reward, net of clawbacks)
    guide_commission_fen: int


class RedemptionDayOut(Schema):
    day: date
    total: RedemptionRowOut
    stores: list[RedemptionRowOut]


class RedemptionStoreOut(Schema):
    id: int | None
    name: str


class RedemptionReportOut(Schema):
    merchant_id: int
    #: the store asked for; null for every store
    store: RedemptionStoreOut | None
    date_from: date
    date_to: date
    stores: list[RedemptionStoreOut]
    total: RedemptionRowOut
    store_totals: list[RedemptionRowOut]
    days: list[RedemptionDayOut] = Field(description="every day of the period, oldest first")


def _row(row: ReportRow) -> dict[str, Any]:
    return {"day": row.day, "store_id": row.store_id, "store_name": row.store_name, **row.values,
            "redemption_rate": row.rate, "revenue": fen_to_yuan(row.values["revenue_fen"])}


def _report_out(report: RedemptionReport) -> dict[str, Any]:
    return {
        "merchant_id": report.merchant_id,
        "store": None if report.store is None else {"id": report.store.id, "name": report.store.name},
        "date_from": report.date_from, "date_to": report.date_to,
        "stores": [{"id": ref.id, "name": ref.name} for ref in report.stores],
        "total": _row(report.total), "store_totals": [_row(row) for row in report.store_totals],
        "days": [{"day": d.day, "total": _row(d.total), "stores": [_row(row) for row in d.stores]}
                 for d in report.days],
    }


@router.get("", response=RedemptionReportOut)
def redemption_report_get(request: ApiRequest, query: Query[RedemptionReportQuery]) -> HttpResponse | dict[str, Any]:
    """The redemption report per store and day: in-store coupons claimed and how many of them are
    redeemed (the redemption rate), coupons redeemed and the in-store revenue they brought, pick-ups
    waiting and collected. The merchant owner (every store, or `store_id`), or a guide (their own
    store). `format=xlsx` or `csv` answers the download. Another merchant's store: `unknown_store`
    (404); a backwards range or one over 366 days: `invalid_input` (400)."""
    report = redemption_report(actor=request.auth, store_id=query.store_id, date_from=query.date_from,
                               date_to=query.date_to)
    if query.format != "json":
        return report_download(report, query.format)
    return _report_out(report)
