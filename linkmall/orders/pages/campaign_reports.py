"""The merchant console's per-campaign report (/console/merchant/campaigns/<kind>/<id>/report/): a
date range, the totals, a row per day, and the same table as Excel or CSV. Another merchant's
campaign answers 404. Thin: parse the range, call the selector, render or download."""

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.core import clock
from linkmall.core.errors import DomainError, NotFound
from linkmall.ledger.pages.forms import StatementRangeForm
from linkmall.orders.campaign_reports import (
    DEFAULT_DAYS,
    EXPORT_FORMATS,
    CampaignReport,
    campaign_report,
    report_download,
)


def _report(request: UserRequest, kind: str, campaign_id: int) -> CampaignReport:
    date_from, date_to = StatementRangeForm(request.GET or None).range()
    try:
        return campaign_report(actor=request.user, kind=kind, campaign_id=campaign_id, date_from=date_from,
                               date_to=date_to)
    except NotFound:
        raise Http404("No such campaign.") from None
    except DomainError as exc:
        # a range the report refuses (backwards, longer than a year): say so and show the default
        messages.error(request, exc.message)
        date_to = clock.today()
        return campaign_report(actor=request.user, kind=kind, campaign_id=campaign_id,
                               date_from=date_to - timedelta(days=DEFAULT_DAYS - 1), date_to=date_to)


#: the console page each kind of campaign is run from (the report's back link); default the campaigns'
BACK = {"share": "campaigns:share_console", "invite": "referral:invite_console",
        "flash": "campaigns:flash_console", "bargain": "campaigns:bargain_console",
        "group": "campaigns:group_console"}


@require_GET
@role_required(Role.MERCHANT_OWNER)
def campaign_report_page(request: UserRequest, kind: str, campaign_id: int) -> HttpResponse:
    report = _report(request, kind, campaign_id)
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return report_download(report, fmt)
    sources = report.sources
    metrics = report.subject.metrics
    days = [{"row": row, "claims": [row.claims.get(value, 0) for value, _label in sources],
             "metrics": [row.metrics.get(m.key, 0) for m in metrics]}
            for row in reversed(report.days)]
    back = BACK.get(kind, "campaigns:console")
    return render(request, "orders/console/campaign_report.html", {
        "report": report, "subject": report.subject, "total": report.total, "days": days,
        "sources": sources, "total_claims": [report.total.claims.get(value, 0) for value, _label in sources],
        "metrics": [{"key": m.key, "label": m.label, "total": report.total.metrics.get(m.key, 0)} for m in metrics],
        "back_url": reverse(back), "nav": "campaigns", "range": f"date_from={report.date_from:%Y-%m-%d}&date_to={report.date_to:%Y-%m-%d}",
    })
