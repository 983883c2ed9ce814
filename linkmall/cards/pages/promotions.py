"""Merchant console: the promotions shown on the merchant's guides' cards (list, edit, delete)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.cards import selectors, services
from linkmall.cards.pages.common import or_404
from linkmall.cards.pages.forms import PromotionForm
from linkmall.core.errors import DomainError

merchant_owner = role_required(Role.MERCHANT_OWNER)


@require_GET
@merchant_owner
def promotion_list(request):
    return render(request, "cards/promotion_list.html", {
        "promotions": list(selectors.promotions_of_merchant(actor=request.user)), "nav": "promotions",
    })


@require_http_methods(["GET", "POST"])
@merchant_owner
def promotion_edit(request, promotion_id: int | None = None):
    promotion = or_404(selectors.promotion_get, actor=request.user, promotion_id=promotion_id) if promotion_id else None
    status = 200
    if request.method == "POST":
        form = PromotionForm(request.POST)
        if form.is_valid():
            try:
                services.promotion_save(actor=request.user, promotion_id=promotion_id, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("优惠已保存"))
                return redirect("cards:promotions")
        status = 400
    elif promotion is not None:
        form = PromotionForm(initial={"title": promotion.title, "detail": promotion.detail,
                                      "starts_at": promotion.starts_at, "ends_at": promotion.ends_at,
                                      "is_active": promotion.is_active})
    else:
        form = PromotionForm()
    return render(request, "cards/promotion_edit.html", {"form": form, "promotion": promotion, "nav": "promotions"},
                  status=status)


@require_POST
@merchant_owner
def promotion_delete(request, promotion_id: int):
    or_404(services.promotion_delete, actor=request.user, promotion_id=promotion_id)
    messages.success(request, _("优惠已删除"))
    return redirect("cards:promotions")
