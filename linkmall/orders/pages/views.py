"""Console pages: the supplier's fulfilments (list, CSV export, ship form) and the merchant's orders
(list, CSV export with each line's price step by step).

Thin: parse, call one selector or service, render. Tenancy is enforced by the selectors and
services; another supplier's fulfilment answers 404.
"""

import csv
from collections.abc import Iterator
from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.core import clock
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.orders import selectors, services
from linkmall.orders.models import Fulfilment, Order
from linkmall.orders.pages.forms import ShipForm

PAGE_SIZE = 20


SUPPLIER_TABS = [
    ("to_ship", Fulfilment.Status.TO_SHIP.label),
    ("shipped", Fulfilment.Status.SHIPPED.label),
    ("received", Fulfilment.Status.RECEIVED.label),
    ("cancelled", Fulfilment.Status.CANCELLED.label),
]


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _status(request: HttpRequest, allowed: list[str], default: str | None) -> str | None:
    status = request.GET.get("status", default or "")
    return status if status in allowed else default


@role_required(Role.SUPPLIER_STAFF)
def supplier_fulfilments(request: UserRequest) -> HttpResponse | StreamingHttpResponse:
    status = _status(request, [value for value, _label in SUPPLIER_TABS], "to_ship")
    if request.GET.get("format") == "csv":
        return _fulfilments_csv(request, status)
    page = selectors.fulfilment_list_for_supplier(
        user=request.user, status=status, page=_page_number(request), page_size=PAGE_SIZE
    )
    return render(
        request,
        "orders/console/fulfilments.html",
        {
            "page": page,
            "status": status,
            "tabs": SUPPLIER_TABS,
            "side": "supplier",
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # a cell starting with = + - @ is a formula to spreadsheet programs: neutralise it
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _fulfilments_csv(request: UserRequest, status: str | None) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    header = [
        _("订单号"),
        _("付款时间"),
        _("状态"),
        _("收货人"),
        _("电话"),
        _("地址"),
        _("商品"),
        _("规格"),
        _("数量"),
        _("已退数量"),
        _("快递公司"),
        _("运单号"),
        _("买家备注"),
    ]

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)  # the BOM lets Excel read UTF-8
        for fulfilment in selectors.fulfilments_for_export(user=request.user, status=status).iterator(chunk_size=500):
            order, address = fulfilment.order, fulfilment.order.address
            paid_at = timezone.localtime(order.paid_at).strftime("%Y-%m-%d %H:%M") if order.paid_at else ""
            for line in fulfilment.lines.all():
                yield writer.writerow(
                    [
                        _cell(v)
                        for v in (
                            order.number,
                            paid_at,
                            fulfilment.get_status_display(),
                            address.get("recipient"),
                            address.get("phone"),
                            "".join(address.get(k, "") for k in ("province", "city", "district", "detail")),
                            line.product_name,
                            line.spec_text,
                            line.quantity,
                            line.refunded_quantity,
                            services.CARRIERS.get(fulfilment.carrier, fulfilment.carrier),
                            fulfilment.tracking_number,
                            order.note,
                        )
                    ]
                )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    filename = f"fulfilments-{status or 'all'}-{clock.now():%Y%m%d%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(Role.SUPPLIER_STAFF)
@require_http_methods(["GET", "POST"])
def supplier_fulfilment_ship(request: UserRequest, fulfilment_id: int) -> HttpResponse:
    try:
        fulfilment = selectors.fulfilment_get_for_supplier(user=request.user, fulfilment_id=fulfilment_id)
    except NotFound:
        raise Http404 from None
    form = ShipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.fulfilment_ship(
                actor=request.user,
                fulfilment=fulfilment,
                carrier=form.cleaned_data["carrier"],
                tracking_number=form.cleaned_data["tracking_number"],
            )
        except DomainError as exc:
            form.add_error(exc.detail.get("field") if exc.detail.get("field") in form.fields else None, exc.message)
        else:
            messages.success(request, _("已发货：%(number)s") % {"number": fulfilment.order.number})
            return redirect("orders:supplier_fulfilments")
    return render(
        request,
        "orders/console/ship.html",
        {"fulfilment": fulfilment, "form": form, "side": "supplier"},
        status=400 if form.errors else 200,
    )


MERCHANT_TABS = [(value, label) for value, label in Order.Status.choices]


@role_required(Role.MERCHANT_OWNER)
def merchant_orders(request: UserRequest) -> HttpResponse | StreamingHttpResponse:
    status = _status(request, [value for value, _label in MERCHANT_TABS], None)
    if request.GET.get("format") == "csv":
        return _merchant_orders_csv(request, status)
    page = selectors.order_list_for_merchant(
        user=request.user, status=status, page=_page_number(request), page_size=PAGE_SIZE
    )
    return render(
        request,
        "orders/console/merchant_orders.html",
        {
            "page": page,
            "status": status,
            "tabs": MERCHANT_TABS,
            "side": "merchant",
        },
    )


def _merchant_orders_csv(request: UserRequest, status: str | None) -> StreamingHttpResponse:
    """One row per order line with its price step by step (docs/specs/campaigns.md §1) and who
    funded each discount, amounts in yuan."""
    writer = csv.writer(_Echo())
    header = [
        _("订单号"),
        _("下单时间"),
        _("付款时间"),
        _("状态"),
        _("商品"),
        _("规格"),
        _("数量"),
        _("单价"),
        _("标价金额"),
        _("活动价"),
        _("活动出资"),
        _("会员优惠"),
        _("店铺优惠"),
        _("店铺优惠出资"),
        _("优惠券"),
        _("优惠券出资"),
        _("积分"),
        _("积分抵扣"),
        _("实付"),
        _("平台补贴"),
        _("已退数量"),
        _("已退金额"),
    ]

    def local(moment: datetime | None) -> str:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)  # the BOM lets Excel read UTF-8
        for order in selectors.orders_for_merchant_export(user=request.user, status=status).iterator(chunk_size=500):
            for line in order.lines.all():
                yield writer.writerow(
                    [
                        _cell(v)
                        for v in (
                            order.number,
                            local(order.placed_at),
                            local(order.paid_at),
                            order.get_status_display(),
                            line.product_name,
                            line.spec_text,
                            line.quantity,
                            fen_to_yuan(line.unit_price_fen),
                            fen_to_yuan(line.list_fen),
                            fen_to_yuan(line.activity_fen),
                            line.get_activity_funder_display(),
                            fen_to_yuan(line.level_fen),
                            fen_to_yuan(line.promotion_fen),
                            line.get_promotion_funder_display() if line.promotion_fen else "",
                            fen_to_yuan(line.coupon_fen),
                            line.get_coupon_funder_display() if line.coupon_fen else "",
                            line.points_used,
                            fen_to_yuan(line.points_fen),
                            fen_to_yuan(line.paid_fen),
                            fen_to_yuan(line.platform_funded_fen),
                            line.refunded_quantity,
                            fen_to_yuan(line.refunded_fen),
                        )
                    ]
                )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    filename = f"orders-{status or 'all'}-{clock.now():%Y%m%d%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
