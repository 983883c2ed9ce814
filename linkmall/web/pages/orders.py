"""My orders: the list by status, one order's parcels, and what the buyer can do with it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.pages.decorators import consumer_page
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.orders.models import Order
from linkmall.orders.services import order_cancel as cancel_order
from linkmall.orders.services import order_confirm_receipt as confirm_receipt
from linkmall.payments.services.starting import payment_start
from linkmall.web import selectors
from linkmall.web.pages.common import not_found_as_404
from linkmall.web.pages.group import group_page_of_order

TAB_LABELS = {
    "all": gettext_lazy("全部"),
    "to_pay": gettext_lazy("待付款"),
    "to_ship": gettext_lazy("待发货"),
    "shipped": gettext_lazy("已发货"),
    "completed": gettext_lazy("已完成"),
    "closed": gettext_lazy("已取消"),
}


@require_GET
@consumer_page
def order_list(request):
    tab = request.GET.get("tab", "all")
    if tab not in selectors.ORDER_TABS:
        tab = "all"
    orders = selectors.buyer_order_list(user=request.user, tab=tab)
    return render(request, "web/orders.html", {
        "orders": orders, "tab": tab, "tabs": list(TAB_LABELS.items()), "active_tab": "orders",
    })


@require_GET
@consumer_page
def order_detail(request, number: str):
    try:
        detail = selectors.buyer_order_detail(user=request.user, number=number)
    except NotFound as exc:
        not_found_as_404(exc)
    return render(request, "web/order_detail.html", {
        "detail": detail, "order": detail.order, "Status": Order.Status, "active_tab": "orders",
        # one query more, for a group buy's order only
        "group_url": (group_page_of_order(detail.order)
                      if any(line.activity_kind == "group" for line in detail.lines) else None),
    })


def _order_or_404(request, number: str) -> Order:
    try:
        return selectors.buyer_order_get(user=request.user, number=number)
    except NotFound as exc:
        not_found_as_404(exc)


@require_POST
@consumer_page
def order_pay(request, number: str):
    order = _order_or_404(request, number)
    try:
        # a group-buy order comes back to its group's page (the countdown and the link to share)
        started = payment_start(actor=request.user, order=order, return_url=group_page_of_order(order)
                                or reverse("web:order_detail", args=[order.number]))
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return redirect("web:order_detail", number=order.number)
    if not started.pay_url:  # a gateway that pays inside the mini-program only has no page to send a browser to
        messages.error(request, _("当前支付方式不支持在网页中支付。"))
        return redirect("web:order_detail", number=order.number)
    return redirect(started.pay_url)


@require_POST
@consumer_page
def order_cancel(request, number: str):
    order = _order_or_404(request, number)
    try:
        cancel_order(actor=request.user, order=order)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("订单已取消。"))
    return redirect("web:order_detail", number=order.number)


@require_POST
@consumer_page
def order_confirm_receipt(request, number: str):
    order = _order_or_404(request, number)
    try:
        confirm_receipt(actor=request.user, order=order)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已确认收货，感谢你的购买。"))
    return redirect("web:order_detail", number=order.number)
