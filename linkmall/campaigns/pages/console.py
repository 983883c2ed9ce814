"""Merchant console: /console/merchant/campaigns/ lists the shop's promotions and coupon templates,
with forms to create them and buttons to start, pause, resume and end them. Another merchant's
objects answer 404. Thin: parse a form, call one service, render or redirect."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.campaigns import selectors, services
from linkmall.campaigns.models import CampaignStatus, CouponTemplate, Promotion
from linkmall.campaigns.offers import promotion_label, template_label
from linkmall.campaigns.pages.forms import CouponTemplateForm, PromotionForm, StatusForm
from linkmall.campaigns.services._common import MOVES
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.stores.models import Merchant

LIST_SIZE = 100
merchant_owner = role_required(Role.MERCHANT_OWNER)

def _moves(status: str) -> list[tuple[str, str]]:
    """The buttons of a row: each status it may move to, with its label."""
    labels = {CampaignStatus.ACTIVE: _("启用"), CampaignStatus.PAUSED: _("暂停"), CampaignStatus.ENDED: _("结束")}
    return [(move, labels[CampaignStatus(move)]) for move in (CampaignStatus.ACTIVE, CampaignStatus.PAUSED,
                                                              CampaignStatus.ENDED) if move in MOVES[status]]


def _render(request: UserRequest, *, promotion_form: PromotionForm | None = None,
            template_form: CouponTemplateForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    promotions = [{"obj": p, "label": promotion_label(p), "moves": _moves(p.status)}
                  for p in selectors.promotion_list(actor=user)[:LIST_SIZE]]
    templates = [{"obj": t, "label": template_label(t), "moves": _moves(t.status)}
                 for t in selectors.coupon_template_list(actor=user)[:LIST_SIZE]]
    context: dict[str, Any] = {
        "promotions": promotions, "templates": templates, "nav": "campaigns",
        "promotion_form": promotion_form or PromotionForm(),
        "template_form": template_form or CouponTemplateForm(initial={"per_user_limit": 1, "sources": ["claim"]}),
    }
    return render(request, "campaigns/console.html", context, status=status)


def _merchant(request: UserRequest) -> Merchant:
    merchant = Merchant.objects.filter(pk=request.user.tenant_id).first()
    if merchant is None:
        raise Http404("No merchant.")
    return merchant


@require_GET
@merchant_owner
def console(request: UserRequest) -> HttpResponse:
    return _render(request)


@require_POST
@merchant_owner
def promotion_new(request: UserRequest) -> HttpResponse:
    form = PromotionForm(request.POST)
    if form.is_valid():
        try:
            services.promotion_create(actor=request.user, merchant=_merchant(request),
                                      accept_loss=bool(form.cleaned_data.get("accept_loss")),
                                      **form.fields_for_service())
        except DomainError as exc:
            form.add_error(None, error_text(exc, with_fields=True))
        else:
            messages.success(request, _("店铺活动已创建（草稿），启用后生效。"))
            return redirect("campaigns:console")
    return _render(request, promotion_form=form, status=400)


@require_POST
@merchant_owner
def template_new(request: UserRequest) -> HttpResponse:
    form = CouponTemplateForm(request.POST)
    if form.is_valid():
        try:
            services.coupon_template_create(actor=request.user, merchant=_merchant(request),
                                            accept_loss=bool(form.cleaned_data.get("accept_loss")),
                                            **form.fields_for_service())
        except DomainError as exc:
            form.add_error(None, error_text(exc, with_fields=True))
        else:
            messages.success(request, _("优惠券已创建（草稿），启用后可以领取。"))
            return redirect("campaigns:console")
    return _render(request, template_form=form, status=400)


def _set_status(request: UserRequest, get: Callable[[], Promotion | CouponTemplate],
                set_status: Callable[[int, str], object], missing: str) -> HttpResponse:
    """Move one of the merchant's promotions or coupon templates to the posted status."""
    form = StatusForm(request.POST)
    try:
        campaign = get()
        if form.is_valid():
            set_status(campaign.pk, form.cleaned_data["status"])
            messages.success(request, _("已更新：%(name)s") % {"name": campaign.name})
    except NotFound:
        raise Http404(missing) from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
    return redirect("campaigns:console")


@require_POST
@merchant_owner
def promotion_status(request: UserRequest, promotion_id: int) -> HttpResponse:
    return _set_status(
        request, lambda: selectors.promotion_get(actor=request.user, promotion_id=promotion_id),
        lambda pk, status: services.promotion_set_status(actor=request.user, promotion_id=pk, status=status),
        "No such promotion.")


@require_POST
@merchant_owner
def template_status(request: UserRequest, template_id: int) -> HttpResponse:
    return _set_status(
        request, lambda: selectors.coupon_template_get(actor=request.user, template_id=template_id),
        lambda pk, status: services.coupon_template_set_status(actor=request.user, template_id=pk, status=status),
        "No such coupon template.")
