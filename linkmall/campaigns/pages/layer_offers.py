"""Layer offers (客户分层营销) pages.

- merchant console /console/merchant/campaigns/layer-offers/: which coupon each layer action gives,
  新品抢先 (early access) of listings, "deliver now", and the delivery log with a CSV export;
- a guide's 发券 page /console/customers/<profile id>/coupon/ (from the profile and its reminders);
- consumers: the 新品抢先 page of a merchant and the card page's "专属优惠" fragment (loaded by URL,
  since cards sits below campaigns and cannot import it).

Thin: parse a form, call one service, render or redirect.
"""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role, User
from linkmall.accounts.pages.decorators import role_required
from linkmall.campaigns.models import CouponSource, LayerOfferDelivery
from linkmall.campaigns.offers import template_label
from linkmall.campaigns.selectors import layer_offers as layer_selectors
from linkmall.campaigns.services.guide_coupons import MAX_GUIDE_KEY, guide_coupon_issue
from linkmall.campaigns.services.layer_offers import layer_offer_settings_update, layer_offers_deliver
from linkmall.core import clock
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.tables import CSV_CONTENT_TYPE, Table, csv_bytes
from linkmall.customers.crm.access import crm_scope
from linkmall.customers.early_access import early_access_listings, is_core_customer
from linkmall.customers.models import Outreach
from linkmall.stores.models import Listing, Merchant
from linkmall.stores.services import listing_set_early_access

merchant_owner = role_required(Role.MERCHANT_OWNER)
guide_only = role_required(Role.GUIDE)
LOG_SIZE = 100
EXPORT_SIZE = 10_000
REASONS = {
    "no_template": gettext_lazy("未设置优惠券"),
    "no_listing": gettext_lazy("没有抢先商品"),
}


class LayerOfferSettingsForm(forms.Form):
    birthday_template = forms.TypedChoiceField(label=gettext_lazy("生日礼遇（核心客户）"), coerce=int,
                                               empty_value=None, required=False)
    exclusive_template = forms.TypedChoiceField(label=gettext_lazy("专属优惠（核心客户，每月）"), coerce=int,
                                                empty_value=None, required=False)
    first_purchase_template = forms.TypedChoiceField(label=gettext_lazy("首单激励（潜在客户，每月）"), coerce=int,
                                                     empty_value=None, required=False)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.choices = [("", _("不发券")), *choices]  # type: ignore[attr-defined]


class EarlyAccessForm(forms.Form):
    listing = forms.TypedChoiceField(label=gettext_lazy("商品"), coerce=int)
    until = forms.DateTimeField(label=gettext_lazy("抢先截止（之后所有人可买）"), required=False,
                                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class GuideIssueForm(forms.Form):
    template = forms.TypedChoiceField(label=gettext_lazy("优惠券"), coerce=int)
    key = forms.CharField(widget=forms.HiddenInput, max_length=MAX_GUIDE_KEY)
    reminder = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)


# --- the merchant console ------------------------------------------------------------------------


def _merchant(request: UserRequest) -> Merchant:
    merchant = Merchant.objects.filter(pk=request.user.tenant_id).first()
    if merchant is None:
        raise Http404("No merchant.")
    return merchant


def _template_choices(merchant_id: int) -> list[tuple[str, str]]:
    return [(str(t.pk), f"{t.name}（{template_label(t)} · {t.get_status_display()}）")
            for t in layer_selectors.source_templates(merchant_id=merchant_id, source=CouponSource.LAYER)]


def _listing_choices(merchant_id: int) -> list[tuple[int, str]]:
    rows = (Listing.objects.filter(merchant_id=merchant_id, is_active=True).select_related("sku__product")
            .order_by("-created_at", "-pk")[:200])
    return [(listing.pk, str(listing.sku)) for listing in rows]


def _delivery_rows(request: UserRequest, limit: int) -> list[LayerOfferDelivery]:
    return list(layer_selectors.layer_deliveries(actor=request.user)[:limit])


def _reason(row: LayerOfferDelivery) -> str:
    if not row.reason:
        return ""
    if row.reason in REASONS:
        return str(REASONS[row.reason])
    return error_text(DomainError(row.reason, code=row.reason))


def _render(request: UserRequest, *, settings_form: LayerOfferSettingsForm | None = None,
            early_form: EarlyAccessForm | None = None, status: int = 200) -> HttpResponse:
    merchant = _merchant(request)
    settings = layer_selectors.layer_offer_settings(actor=request.user)
    choices = _template_choices(merchant.pk)
    if settings_form is None:
        settings_form = LayerOfferSettingsForm(choices=choices, initial={
            "birthday_template": settings.birthday_template_id, "exclusive_template": settings.exclusive_template_id,
            "first_purchase_template": settings.first_purchase_template_id})
    if early_form is None:
        early_form = EarlyAccessForm()
    early_form.fields["listing"].choices = _listing_choices(merchant.pk)  # type: ignore[attr-defined]
    deliveries = [{"row": row, "reason": _reason(row)} for row in _delivery_rows(request, LOG_SIZE)]
    return render(request, "campaigns/layer_offers.html", {
        "nav": "campaigns", "settings_form": settings_form, "early_form": early_form,
        "early_access": list(early_access_listings(merchant_id=merchant.pk)), "deliveries": deliveries,
        "has_templates": bool(choices),
    }, status=status)


@require_GET
@merchant_owner
def layer_offers(request: UserRequest) -> HttpResponse:
    return _render(request)


@require_POST
@merchant_owner
def layer_offers_settings(request: UserRequest) -> HttpResponse:
    merchant = _merchant(request)
    form = LayerOfferSettingsForm(request.POST, choices=_template_choices(merchant.pk))
    if form.is_valid():
        try:
            layer_offer_settings_update(
                actor=request.user, merchant=merchant,
                birthday_template_id=form.cleaned_data["birthday_template"],
                exclusive_template_id=form.cleaned_data["exclusive_template"],
                first_purchase_template_id=form.cleaned_data["first_purchase_template"])
        except DomainError as exc:
            form.add_error(None, error_text(exc, with_fields=True))
        else:
            messages.success(request, _("分层营销设置已保存。"))
            return redirect("campaigns:layer_offers")
    return _render(request, settings_form=form, status=400)


@require_POST
@merchant_owner
def layer_offers_deliver_now(request: UserRequest) -> HttpResponse:
    counts = layer_offers_deliver(merchant_id=_merchant(request).pk)
    messages.success(request, _("已发放：发券 %(issued)s，抢先通知 %(notified)s，未发放 %(refused)s。") % counts)
    return redirect("campaigns:layer_offers")


@require_POST
@merchant_owner
def early_access_set(request: UserRequest) -> HttpResponse:
    merchant = _merchant(request)
    form = EarlyAccessForm(request.POST)
    form.fields["listing"].choices = _listing_choices(merchant.pk)  # type: ignore[attr-defined]
    if form.is_valid():
        listing = Listing.objects.filter(pk=form.cleaned_data["listing"], merchant=merchant).first()
        if listing is None:
            raise Http404("No such listing.")
        try:
            listing_set_early_access(actor=request.user, listing=listing, until=form.cleaned_data["until"])
        except DomainError as exc:
            form.add_error(None, error_text(exc, with_fields=True))
        else:
            messages.success(request, _("新品抢先已更新。"))
            return redirect("campaigns:layer_offers")
    return _render(request, early_form=form, status=400)


@require_GET
@merchant_owner
def layer_deliveries_csv(request: UserRequest) -> HttpResponse:
    rows = [[row.delivered_at.strftime("%Y-%m-%d %H:%M"), Outreach.Kind(row.kind).label,
             row.outreach.profile.name or row.outreach.profile.user.display_name, row.get_status_display(),
             row.coupon.template.name if row.coupon else (row.listing.product.name if row.listing else ""),
             _reason(row)]
            for row in _delivery_rows(request, EXPORT_SIZE)]
    table = Table(title=_("分层营销发放记录"), header=[_("时间"), _("动作"), _("客户"), _("结果"), _("优惠券或商品"), _("原因")],
                  rows=rows)
    response = HttpResponse(csv_bytes(table), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="layer-offers.csv"'
    return response


# --- a guide sends one customer a coupon ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@guide_only
def guide_issue(request: UserRequest, profile_id: int) -> HttpResponse:
    raw_reminder = request.GET.get("reminder") or request.POST.get("reminder") or ""
    reminder_id = int(raw_reminder) if raw_reminder.isdigit() and len(raw_reminder) < 10 else None
    try:
        view = layer_selectors.guide_issue_view(actor=request.user, profile_id=profile_id, reminder_id=reminder_id)
    except NotFound:
        raise Http404("No such customer.") from None
    choices = [(t.pk, f"{t.name}（{template_label(t)}，{_('剩余 %(n)s 张') % {'n': t.remaining}}）")
               for t in view.templates]
    status = 200
    if request.method == "POST":
        form = GuideIssueForm(request.POST)
        form.fields["template"].choices = choices  # type: ignore[attr-defined]
        if form.is_valid():
            try:
                guide_coupon_issue(actor=request.user, profile_id=view.profile.pk,
                                   template_id=form.cleaned_data["template"], key=form.cleaned_data["key"],
                                   reminder_id=view.reminder.pk if view.reminder else None)
            except NotFound:
                raise Http404("No such coupon.") from None
            except DomainError as exc:
                form.add_error(None, error_text(exc, with_fields=True))
            else:
                messages.success(request, _("优惠券已发给客户，客户可在“我的优惠券”中查看。"))
                return redirect("customers:detail", profile_id=view.profile.pk)
        status = 400
    else:
        form = GuideIssueForm(initial={"key": uuid.uuid4().hex, "reminder": view.reminder.pk if view.reminder else None})
        form.fields["template"].choices = choices  # type: ignore[attr-defined]
    return render(request, "campaigns/guide_issue.html", {
        "view": view, "form": form, "scope": crm_scope(request.user), "nav": "customers",
    }, status=status)


# --- consumers ------------------------------------------------------------------------------------------


def _viewer(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated and user.role == Role.CONSUMER else None


@require_GET
@never_cache
def early_access(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """新品抢先: a core customer sees the listings they may buy before everyone and a buy button;
    anyone else sees them as 即将开售, with the time, and nothing to buy. Never cached: personal."""
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise Http404("No such merchant.")
    viewer = _viewer(request)
    return render(request, "campaigns/early_access.html", {
        "merchant": merchant, "listings": list(early_access_listings(merchant_id=merchant.pk)),
        "is_core": is_core_customer(user=viewer, merchant_id=merchant.pk), "now": clock.now(),
    })


@require_GET
@never_cache
def card_offers(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """The card page's "专属优惠" block, fetched by htmx after the page: the viewer's usable coupons
    for the card's merchant and, for a core customer, early access. Empty for anyone else."""
    offers = layer_selectors.card_offers(user=_viewer(request), merchant_id=merchant_id)
    coupons = [{"coupon": c, "label": template_label(c.template)} for c in offers.coupons]
    return render(request, "campaigns/_card_offers.html", {
        "merchant_id": merchant_id, "coupons": coupons, "early_access": offers.early_access,
    })
