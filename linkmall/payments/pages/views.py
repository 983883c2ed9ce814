"""The sandbox gateway's cashier page. It exists only while the sandbox is the configured gateway,
so a production site with a real gateway has no page that marks anything paid."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from linkmall.core.errors import NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.payments.gateways.sandbox import sandbox_trade_get, sandbox_trade_pay


def _sandbox_enabled() -> bool:
    return settings.LINKMALL.get("PAYMENT_GATEWAY", "sandbox") == "sandbox"


@require_http_methods(["GET", "POST"])
def sandbox_pay(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    if not _sandbox_enabled():
        raise Http404
    try:
        trade = sandbox_trade_get(out_trade_no=out_trade_no)
        if request.method == "POST":
            trade = sandbox_trade_pay(out_trade_no=out_trade_no)
    except NotFound:
        raise Http404 from None
    return_url = (
        trade.return_url
        if url_has_allowed_host_and_scheme(trade.return_url, allowed_hosts={request.get_host()})
        else ""
    )
    return render(
        request,
        "payments/sandbox_pay.html",
        {
            "trade": trade,
            "amount": fen_to_yuan(trade.amount_fen),
            "return_url": return_url or "/",
            "paid": trade.status == trade.Status.PAID,
        },
    )
