"""The merchant console's flash sales (秒杀): create a slot, pause / activate / end it, and the list
with stock, held and sold units, exported as CSV. Thin: read through `selectors.flash`, write
through `services.flash`."""

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
from linkmall.accounts.pages.decorators import role_required
from linkmall.campaigns.models import FlashSale
from linkmall.campaigns.pages.console import _merchant, _moves
from linkmall.campaigns.pages.forms import _when, _yuan_field
from linkmall.campaigns.selectors.flash import flash_sales_of, sold_percent
from linkmall.campaigns.services.flash import (
    MAX_PAYMENT_MINUTES,
    MAX_PER_USER,
    FlashSaleFields,
    flash_sale_create,
    flash_sale_set_status,
)
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.money import fen_to_yuan, yuan_to_fen
from linkmall.core.tables import CSV_CONTENT_TYPE, Table, csv_bytes
from linkmall.stores.models import Listing

LIST_SIZE = 100
EXPORT_SIZE = 10_000
merchant_owner = role_required(Role.MERCHANT_OWNER)


class FlashSaleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=60)
    listing = forms.TypedChoiceField(label=gettext_lazy("商品（规格）"), coerce=int)
    starts_at = _when(gettext_lazy("开始时间"))
    ends_at = _when(gettext_lazy("结束时间"))
    price = _yuan_field(gettext_lazy("秒杀价（元）"), required=True)
    stock = forms.IntegerField(label=gettext_lazy("秒杀库存（件，从供货库存中划出）"), min_value=1, max_value=10_000)
    per_user_limit = forms.IntegerField(label=gettext_lazy("每人限购（件）"), min_value=1, max_value=MAX_PER_USER,
                                        initial=1)
    payment_minutes = forms.IntegerField(label=gettext_lazy("支付时限（分钟）"), min_value=1,
                                         max_value=MAX_PAYMENT_MINUTES, initial=5)
    rewards = forms.BooleanField(label=gettext_lazy("秒杀订单参与分销奖励"), required=False)
    accept_loss = forms.BooleanField(label=gettext_lazy("接受亏损（秒杀价低于成本）"), required=False)

    def __init__(self, *args: Any, listings: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["listing"].choices = listings  # type: ignore[attr-defined]

    def fields_for_service(self) -> FlashSaleFields:
        data = self.cleaned_data
        return FlashSaleFields(listing_id=data["listing"], name=data["name"], starts_at=data["starts_at"],
                               ends_at=data["ends_at"], price_fen=yuan_to_fen(data["price"], field="price"),
                               stock=data["stock"], per_user_limit=data["per_user_limit"],
                               payment_minutes=data["payment_minutes"], rewards=data["rewards"])


def _listings(request: UserRequest) -> list[tuple[int, str]]:
    rows = (Listing.objects.filter(merchant_id=request.user.tenant_id, is_active=True)
            .select_related("product", "sku").order_by("pk")[:500])
    return [(row.pk, f"{row.product.name} {row.sku.code} · ¥{fen_to_yuan(row.price_fen)}") for row in rows]


def _console(request: UserRequest, *, form: FlashSaleForm | None = None, status: int = 200) -> HttpResponse:
    sales = [{"obj": s, "percent": sold_percent(s), "moves": _moves(s.status)}
             for s in flash_sales_of(actor=request.user)[:LIST_SIZE]]
    form = form or FlashSaleForm(listings=_listings(request))
    return render(request, "campaigns/flash_console.html", {"sales": sales, "form": form, "nav": "campaigns"},
                  status=status)


@require_GET
@merchant_owner
def flash_console(request: UserRequest) -> HttpResponse:
    return _console(request)


@require_POST
@merchant_owner
def flash_new(request: UserRequest) -> HttpResponse:
    form = FlashSaleForm(request.POST, listings=_listings(request))
    if form.is_valid():
        try:
            flash_sale_create(actor=request.user, merchant=_merchant(request), fields=form.fields_for_service(),
                              accept_loss=form.cleaned_data["accept_loss"])
        except DomainError as exc:
            form.add_error(None, error_text(exc, with_fields=True))
        else:
            messages.success(request, _("秒杀场次已创建，库存已从供货库存中划出。"))
            return redirect("campaigns:flash_console")
    return _console(request, form=form, status=400)


@require_POST
@merchant_owner
def flash_status(request: UserRequest, sale_id: int) -> HttpResponse:
    try:
        sale = flash_sale_set_status(actor=request.user, sale_id=sale_id, status=request.POST.get("status", ""))
        messages.success(request, _("已更新：%(name)s") % {"name": sale.name})
    except NotFound:
        raise Http404("No such flash sale.") from None
    except DomainError as exc:
        messages.error(request, error_text(exc, with_fields=True))
    return redirect("campaigns:flash_console")


@require_GET
@merchant_owner
def flash_export(request: UserRequest) -> HttpResponse:
    """The merchant's flash sales with their units, as CSV."""
    rows: list[list[object]] = []
    sale: FlashSale
    for sale in flash_sales_of(actor=request.user)[:EXPORT_SIZE]:
        rows.append([sale.pk, sale.name, sale.listing.product.name, sale.starts_at.isoformat(),
                     sale.ends_at.isoformat(), fen_to_yuan(sale.price_fen), sale.stock, sale.held, sale.sold,
                     sale.returned, sale.per_user_limit, sale.get_status_display(),
                     fen_to_yuan(sale.price_fen * sale.sold)])
    table = Table(title=_("秒杀"), rows=rows, header=[
        _("编号"), _("名称"), _("商品"), _("开始时间"), _("结束时间"), _("秒杀价"), _("库存"), _("待支付"),
        _("已售"), _("已退回供货库存"), _("每人限购"), _("状态"), _("秒杀销售额")])
    response = HttpResponse(csv_bytes(table), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="flash-sales.csv"'
    return response
