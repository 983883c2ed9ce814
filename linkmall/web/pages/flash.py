"""The flash-sale hall (秒杀) of a merchant: its slots with a countdown, the price and 已抢 x %, and
the buy button, which admits the buyer and places the order in one step, then goes to the order's
page to pay within the sale's window. On the Redis path the buy button is admitted in Redis and
lands on a waiting page (排队中 / 订单生成中) that polls until the worker wrote the order, then
goes to the order's page; the hall reads the sale's units from Redis, so 已抢光 and 已达限购 show
before the orders are written. Each buy form offers 快递配送 (to the default address) or 到店自提 at
one of the merchant's open stores (`activity_fulfilment`)."""

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linkmall.accounts.pages.decorators import consumer_page
from linkmall.campaigns.models import FlashBuyer, FlashSale
from linkmall.campaigns.selectors.flash import flash_hall, flash_state, sold_percent
from linkmall.campaigns.services import flash_redis
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError
from linkmall.customers import selectors as customer_selectors
from linkmall.orders.flash import flash_enter, flash_ticket
from linkmall.orders.models import Order
from linkmall.stores.models import Merchant
from linkmall.web.pages.activity_fulfilment import chosen_pickup_store, pickup_choices


def flash_hall_page(request: HttpRequest, merchant_id: int) -> HttpResponse:
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise Http404
    sales = list(flash_hall(merchant_id=merchant.pk))
    taken: dict[int, int] = {}
    if request.user.is_authenticated:
        taken = dict(FlashBuyer.objects.filter(sale__in=sales, user_id=request.user.pk)
                     .values_list("sale_id", "taken"))
    if flash_redis.enabled():
        # admitted in Redis but not written yet counts as held, as it will be
        live = flash_redis.flash_redis_counts(sale_ids=[sale.pk for sale in sales],
                                              user_id=request.user.pk if request.user.is_authenticated else None)
        for sale in sales:
            if sale.pk in live:
                units, mine = live[sale.pk]
                sale.held = max(sale.held, units - sale.sold - sale.returned)
                taken[sale.pk] = max(taken.get(sale.pk, 0), mine)
    slots = [{"sale": sale, "state": flash_state(sale, taken=taken.get(sale.pk, 0)),
              "percent": sold_percent(sale)} for sale in sales]
    return render(request, "web/flash_hall.html", {
        "merchant": merchant, "slots": slots, "token": uuid.uuid4().hex,
        "pickup_stores": pickup_choices(merchant.pk) if any(s["state"] == "on_sale" for s in slots) else []})


def _hall(merchant_id: int) -> str:
    return reverse("web:flash_hall", args=[merchant_id])


@require_POST
@consumer_page
def flash_buy(request: HttpRequest, merchant_id: int, sale_id: int) -> HttpResponse:
    if not FlashSale.objects.filter(pk=sale_id, merchant_id=merchant_id).exists():
        raise Http404
    try:
        pickup_store = chosen_pickup_store(request, merchant_id)
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return redirect(_hall(merchant_id))
    address = customer_selectors.address_default(user=request.user)  # type: ignore[arg-type]
    if address is None and pickup_store is None:
        messages.error(request, _("请先添加收货地址，再来抢购。"))
        return redirect(f"{reverse('web:checkout_address')}?{urlencode({'next': _hall(merchant_id)})}")
    token = (request.POST.get("client_token") or "").strip()[:64] or uuid.uuid4().hex
    try:
        entered = flash_enter(buyer=request.user, sale_id=sale_id,  # type: ignore[arg-type]
                              address_id=address.pk if address is not None else None,
                              client_token=f"flash:{sale_id}:{token}", pickup_store=pickup_store)
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return redirect(_hall(merchant_id))
    if isinstance(entered, flash_redis.Admission):
        return redirect("web:flash_wait", merchant_id=merchant_id, sale_id=sale_id, ticket=entered.ticket)
    return _to_order(request, entered)


def _to_order(request: HttpRequest, order: Order) -> HttpResponse:
    messages.success(request, _("抢到了！请在 %(minutes)s 分钟内完成支付。") % {
        "minutes": max(1, int((order.expires_at - order.placed_at).total_seconds() // 60))})
    return redirect("web:order_detail", number=order.number)


@consumer_page
def flash_wait(request: HttpRequest, merchant_id: int, sale_id: int, ticket: str) -> HttpResponse:
    """排队中: the buyer was admitted and the order is being written. The page polls itself (htmx
    every second, a refresh without JavaScript) and goes to the order's page once it exists."""
    try:
        order = flash_ticket(buyer=request.user, sale_id=sale_id, ticket=ticket)  # type: ignore[arg-type]
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from None
        messages.error(request, error_text(exc))
        return _go(request, _hall(merchant_id))
    if order is not None:
        answer = _to_order(request, order)
        return _go(request, answer["Location"])
    context = {"merchant_id": merchant_id, "sale_id": sale_id, "ticket": ticket,
               "hall": _hall(merchant_id)}
    if request.headers.get("HX-Request"):
        return render(request, "web/_flash_waiting.html", context)
    return render(request, "web/flash_wait.html", context)


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect, which htmx's poll follows as a whole page (HX-Redirect)."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
