"""Guides earn (导购提成 / 团队管理奖励) pages: the merchant's terms and what each guide earned
(/console/merchant/guide-pay/, with a CSV / Excel export), and the guide's own earnings
(/guide/earnings/). Thin: parse the form, call `referral.guide_pay`, render or redirect."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.core.tables import Table, table_download
from linkmall.ledger.models import OwnerKind
from linkmall.ledger.selectors import balances_of
from linkmall.referral import guide_pay
from linkmall.referral.pages.operator_views import SEVERITY_LABELS

merchant_owner = role_required(Role.MERCHANT_OWNER)
guide_required = role_required(Role.GUIDE)


def _risks(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**r, "severity_label": str(SEVERITY_LABELS.get(r["severity"], r["severity"]))} for r in rows]


def _console(request: UserRequest, *, errors: list[str] | None = None, posted: dict[str, Any] | None = None,
             risks: list[dict[str, str]] | None = None, status: int = 200) -> HttpResponse:
    merchant_id = request.user.tenant_id or 0
    terms = guide_pay.terms_of(merchant_id)
    totals = guide_pay.merchant_guide_totals(actor=request.user, merchant_id=merchant_id)
    context = {
        "nav": "guide_pay", "terms": terms, "totals": totals, "errors": errors or [], "posted": posted,
        "risks": _risks(risks if risks is not None else (terms.compliance if terms else [])),
        "pending_total": sum(t.pending_fen for t in totals), "available_total": sum(t.available_fen for t in totals),
        "commission_max": guide_pay.COMMISSION_PERCENT_MAX, "team_max": guide_pay.TEAM_PERCENT_MAX,
    }
    return render(request, "referral/guide_pay/console.html", context, status=status)


@require_GET
@merchant_owner
def console(request: UserRequest) -> HttpResponse:
    return _console(request)


@require_POST
@merchant_owner
def save(request: UserRequest) -> HttpResponse:
    post = request.POST
    posted = {"commission_percent": post.get("commission_percent", ""), "team_percent": post.get("team_percent", ""),
              "acknowledge": post.get("acknowledge") == "1"}
    try:
        guide_pay.terms_set(actor=request.user, merchant_id=request.user.tenant_id or 0,
                            commission_percent=posted["commission_percent"], team_percent=posted["team_percent"],
                            acknowledge=bool(posted["acknowledge"]))
    except DomainError as exc:
        risks = exc.detail.get("risks") if isinstance(exc.detail, dict) else None
        return _console(request, errors=[error_text(exc, with_fields=True)], posted=posted, risks=risks, status=400)
    messages.success(request, _("导购佣金设置已保存，对此后付款的订单生效。"))
    return redirect("referral:guide_pay")


@require_GET
@merchant_owner
def export(request: UserRequest) -> HttpResponse:
    """Every guide with its orders and money, as CSV (?format=xlsx for Excel)."""
    totals = guide_pay.merchant_guide_totals(actor=request.user, merchant_id=request.user.tenant_id or 0)
    rows = [[t.guide.pk, t.guide.user.display_name or t.guide.user.phone or "", t.guide.store.name,
             "" if t.guide.is_active else _("已停用"), t.orders, fen_to_yuan(t.pending_fen), fen_to_yuan(t.available_fen)]
            for t in totals]
    table = Table(title=_("导购佣金"), rows=rows, header=[
        _("导购编号"), _("导购"), _("门店"), _("状态"), _("计佣订单"), _("待结算（元）"), _("已结算（元）")])
    return table_download(table, fmt="xlsx" if request.GET.get("format") == "xlsx" else "csv", filename="guide-pay")


@never_cache
@require_GET
@guide_required
def earnings(request: UserRequest) -> HttpResponse:
    try:
        guide = guide_pay.guide_of(request.user)
    except NotFound:
        raise Http404("Not a guide.") from None
    balances = balances_of(owner_kind=OwnerKind.GUIDE, owner_id=guide.pk)
    terms = guide_pay.terms_of(guide.merchant_id)
    context = {"guide": guide, "terms": terms, "rows": guide_pay.earnings_of(guide),
               "pending": balances.get("pending", 0), "available": balances.get("available", 0)}
    return render(request, "referral/guide_pay/earnings.html", context)
