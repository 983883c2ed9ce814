"""Loyalty pages. The buyer's 我的积分 (/me/points/: every shop where they have points or growth)
and one shop's points page (/shop/<merchant_id>/points/: balance, member level and progress, the
daily sign-in, points expiring soon, the history); the merchant console's 积分与会员 page
(/console/merchant/campaigns/loyalty/: the rules and the member levels). Thin: parse, call one
service or selector, render or redirect."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import consumer_page, role_required
from linkmall.campaigns import selectors
from linkmall.campaigns.models import PointsEntry
from linkmall.campaigns.selectors import loyalty as selectors_loyalty
from linkmall.campaigns.services import loyalty, signin
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.money import yuan_to_fen
from linkmall.core.paging import paginate_clamped
from linkmall.stores.models import Merchant

PAGE_SIZE = 20
merchant_owner = role_required(Role.MERCHANT_OWNER)


# --- the buyer's pages --------------------------------------------------------------------------------------


def _shop(merchant_id: int) -> Merchant:
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise Http404("No such merchant.")
    return merchant


@require_GET
@consumer_page
def my_points(request: UserRequest) -> HttpResponse:
    rows = selectors_loyalty.my_loyalty(user=request.user)
    return render(request, "campaigns/my_points.html", {"rows": rows})


@require_GET
@consumer_page
def shop_points(request: UserRequest, merchant_id: int) -> HttpResponse:
    merchant = _shop(merchant_id)
    summary = selectors_loyalty.loyalty_summary(user=request.user, merchant=merchant)
    page = paginate_clamped(selectors.points_entries(user=request.user, merchant_id=merchant.pk),
                            page=request.GET.get("page"), page_size=PAGE_SIZE)
    kinds = dict(PointsEntry.Reason.choices)
    history = [{"entry": e, "kind": kinds.get(e.kind, e.kind)} for e in page.items]
    return render(request, "campaigns/points.html",
                  {"merchant": merchant, "s": summary, "page": page, "history": history})


@require_POST
@consumer_page
def shop_signin(request: UserRequest, merchant_id: int) -> HttpResponse:
    merchant = _shop(merchant_id)
    try:
        result = signin.signin_today(user=request.user, merchant=merchant)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        if result.created:
            messages.success(request, _("签到成功，获得 %(points)s 积分，已连续签到 %(days)s 天。")
                             % {"points": result.sign_in.points, "days": result.sign_in.streak})
        else:
            messages.info(request, _("今天已经签到过了，明天再来。"))
    return redirect("campaigns:shop_points", merchant.pk)


# --- the merchant console ----------------------------------------------------------------------------------


class LoyaltySettingsForm(forms.Form):
    points_per_yuan = forms.IntegerField(label=gettext_lazy("每消费 1 元获得积分（0 为不送积分）"), min_value=0,
                                         max_value=100)
    points_valid_days = forms.IntegerField(label=gettext_lazy("积分有效期（获得后天数）"), min_value=1, max_value=3650)
    signin_enabled = forms.BooleanField(label=gettext_lazy("开启每日签到"), required=False)
    signin_points = forms.IntegerField(label=gettext_lazy("每日签到积分"), min_value=0, max_value=loyalty.MAX_BONUS)
    signin_bonuses = forms.CharField(label=gettext_lazy("连续签到奖励（天数:积分，逗号分隔，如 3:10,7:30）"),
                                     required=False, max_length=300)
    levels_enabled = forms.BooleanField(label=gettext_lazy("开启会员等级折扣"), required=False)

    def clean_signin_bonuses(self) -> dict[str, int]:
        text = str(self.cleaned_data.get("signin_bonuses") or "").replace("，", ",").replace("：", ":")
        out: dict[str, int] = {}
        for part in (p.strip() for p in text.split(",") if p.strip()):
            day, _sep, points = part.partition(":")
            if not (day.strip().isdigit() and points.strip().isdigit() and len(day.strip()) < 3
                    and len(points.strip()) < 6):
                raise forms.ValidationError(gettext_lazy("请按“天数:积分”填写，用逗号分隔，如 3:10,7:30"))
            out[str(int(day))] = int(points)
        return out


class MemberLevelForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("等级名称"), max_length=loyalty.MAX_LEVEL_NAME)
    threshold = forms.DecimalField(label=gettext_lazy("升级门槛：累计消费（元）"), min_value=Decimal(0),
                                   max_value=Decimal("100000000"), decimal_places=2, max_digits=12)
    percent_off = forms.DecimalField(label=gettext_lazy("等级折扣（减去的百分比，5 即 95 折）"),
                                     min_value=Decimal("0.01"), max_value=Decimal("49.99"), decimal_places=2,
                                     max_digits=4)

    def fields_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data["name"], "threshold_fen": yuan_to_fen(data["threshold"], field="threshold"),
                "percent_off": data["percent_off"]}


def _merchant(request: UserRequest) -> Merchant:
    merchant = Merchant.objects.filter(pk=request.user.tenant_id).first()
    if merchant is None:
        raise Http404("No merchant.")
    return merchant


def _bonus_text(bonuses: dict[str, int]) -> str:
    return ",".join(f"{day}:{points}" for day, points in sorted((bonuses or {}).items(), key=lambda i: int(i[0])))


def _render_console(request: UserRequest, *, settings_form: LoyaltySettingsForm | None = None,
                    level_form: MemberLevelForm | None = None, status: int = 200) -> HttpResponse:
    merchant = _merchant(request)
    current = loyalty.loyalty_settings_of(merchant.pk)
    if settings_form is None:
        settings_form = LoyaltySettingsForm(initial={
            "points_per_yuan": current.points_per_yuan, "points_valid_days": current.points_valid_days,
            "signin_enabled": current.signin_enabled, "signin_points": current.signin_points,
            "signin_bonuses": _bonus_text(current.signin_bonuses), "levels_enabled": current.levels_enabled})
    context = {
        "nav": "campaigns", "settings_form": settings_form, "level_form": level_form or MemberLevelForm(),
        "levels": list(selectors_loyalty.member_levels(merchant_id=merchant.pk)),
    }
    return render(request, "campaigns/loyalty_console.html", context, status=status)


@require_GET
@merchant_owner
def loyalty_console(request: UserRequest) -> HttpResponse:
    return _render_console(request)


@require_POST
@merchant_owner
def loyalty_settings(request: UserRequest) -> HttpResponse:
    form = LoyaltySettingsForm(request.POST)
    if form.is_valid():
        try:
            loyalty.loyalty_settings_update(actor=request.user, merchant=_merchant(request), fields=form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, error_text(exc, with_fields=True))
        else:
            messages.success(request, _("积分与签到规则已保存。"))
            return redirect("campaigns:loyalty_console")
    return _render_console(request, settings_form=form, status=400)


@require_POST
@merchant_owner
def level_new(request: UserRequest) -> HttpResponse:
    form = MemberLevelForm(request.POST)
    if form.is_valid():
        try:
            loyalty.member_level_create(actor=request.user, merchant=_merchant(request),
                                        fields=form.fields_for_service())
        except DomainError as exc:
            form.add_error(None, error_text(exc, with_fields=True))
        else:
            messages.success(request, _("会员等级已添加。"))
            return redirect("campaigns:loyalty_console")
    return _render_console(request, level_form=form, status=400)


@require_POST
@merchant_owner
def level_delete(request: UserRequest, level_id: int) -> HttpResponse:
    try:
        loyalty.member_level_delete(actor=request.user, level_id=level_id)
    except NotFound:
        raise Http404("No such member level.") from None
    messages.success(request, _("会员等级已删除。"))
    return redirect("campaigns:loyalty_console")
