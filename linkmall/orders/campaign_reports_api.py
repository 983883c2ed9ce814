"""/api/v1/campaigns/reports: a campaign's report for the mini-program's merchant console, as JSON or
as the console's Excel / CSV download. Mounted in config/api.py; the selectors are in
`orders.campaign_reports` because the report reads orders."""

from datetime import date
from typing import Any, Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.core.money import fen_to_yuan
from linkmall.orders.campaign_reports import CampaignReport, ReportRow, campaign_report, report_download

router = Router(tags=["campaigns"], auth=api_auth)


class ReportQuery(Schema):
    #: first and last calendar day, both included (default: the last 30 days up to today)
    date_from: date | None = None
    date_to: date | None = None
    format: Literal["json", "xlsx", "csv"] = "json"


class ReportRowOut(Schema):
    #: the day; null on the total
    day: date | None
    #: coupons given out, by source (claim, new_customer, guide, layer, invite, share)
    claims: dict[str, int]
    claims_total: int
    uses: int
    orders: int
    revenue_fen: int
    revenue: str
    cost_fen: int
    cost: str
    merchant_cost_fen: int
    platform_cost_fen: int
    new_customers: int
    cost_per_new_customer_fen: int | None
    cost_per_new_customer: str | None
    #: an activity's own counts by metric key (flash: participants, units; bargain: started, helpers,
    #: bought, units); empty for a coupon or a promotion
    metrics: dict[str, int]


class ReportMetricOut(Schema):
    key: str
    label: str


class ReportCampaignOut(Schema):
    kind: str
    id: int
    merchant_id: int
    name: str
    label: str
    #: the activity's own columns, in order (the keys of each row's `metrics`)
    metrics: list[ReportMetricOut]


class CampaignReportOut(Schema):
    campaign: ReportCampaignOut
    date_from: date
    date_to: date
    total: ReportRowOut
    days: list[ReportRowOut] = Field(description="every day of the period, oldest first")


def _row(row: ReportRow) -> dict[str, Any]:
    per_new = row.cost_per_new_customer_fen
    return {
        "day": row.day, "claims": row.claims, "claims_total": row.claims_total, "uses": row.uses,
        "orders": row.orders, "revenue_fen": row.revenue_fen, "revenue": fen_to_yuan(row.revenue_fen),
        "cost_fen": row.cost_fen, "cost": fen_to_yuan(row.cost_fen), "merchant_cost_fen": row.merchant_cost_fen,
        "platform_cost_fen": row.platform_cost_fen, "new_customers": row.new_customers,
        "cost_per_new_customer_fen": per_new, "cost_per_new_customer": None if per_new is None else fen_to_yuan(per_new),
        "metrics": row.metrics,
    }


def _report_out(report: CampaignReport) -> dict[str, Any]:
    s = report.subject
    return {"campaign": {"kind": s.kind, "id": s.id, "merchant_id": s.merchant_id, "name": s.name, "label": s.label,
                         "metrics": [{"key": m.key, "label": m.label} for m in s.metrics]},
            "date_from": report.date_from, "date_to": report.date_to, "total": _row(report.total),
            "days": [_row(row) for row in report.days]}


@router.get("/{kind}/{int:campaign_id}", response=CampaignReportOut)
def campaign_report_get(request: ApiRequest, kind: str, campaign_id: int,
                        query: Query[ReportQuery]) -> HttpResponse | dict[str, Any]:
    """A campaign's report: kind `promotion`, `coupon_template`, `share`, `invite`, `flash` or
    `bargain` (other campaign kinds as they are registered). Claims, uses, paid orders, revenue and cost net of refunds, new customers and cost
    per new customer, an activity's own metrics (participants, units sold …), a row per day and the
    total. `format=xlsx` or `csv` answers the download.
    The merchant's owner or platform staff; another merchant's campaign answers 404."""
    report = campaign_report(actor=request.auth, kind=kind, campaign_id=campaign_id, date_from=query.date_from,
                             date_to=query.date_to)
    if query.format != "json":
        return report_download(report, query.format)
    return _report_out(report)
