"""/api/v1/payments: start a payment, receive gateway notifications, refund (staff)."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.core.money import fen_to_yuan
from linkmall.orders.selectors import order_get_for_buyer, order_get_for_staff
from linkmall.payments import services
from linkmall.payments.models import Refund
from linkmall.payments.schemas import PaymentStartOut, RefundIn, RefundOut

router = Router(tags=["payments"])

#: a notification body is small; anything larger is refused before it is parsed
MAX_NOTIFY_BODY = 64 * 1024


@router.post("/orders/{int:order_id}/start", response=PaymentStartOut, auth=api_auth)
def start_payment(request: ApiRequest, order_id: int, return_url: str = "") -> dict[str, Any]:
    """Open the payment; `?return_url=/path/` is where the cashier sends the buyer afterwards."""
    order = order_get_for_buyer(user=request.auth, order_id=order_id)
    started = services.payment_start(actor=request.auth, order=order, return_url=return_url[:200])
    payment = started.payment
    return {
        "payment_id": payment.pk,
        "out_trade_no": payment.out_trade_no,
        "gateway": payment.gateway,
        "amount_fen": payment.amount_fen,
        "amount": fen_to_yuan(payment.amount_fen),
        "pay_url": started.pay_url,
        "params": started.params,
    }


@router.post("/notify/{gateway}", auth=None, url_name="payment_notify", include_in_schema=False)
def notify(request: HttpRequest, gateway: str) -> HttpResponse:
    """The gateway's asynchronous notification. No login: the signature is the authentication."""
    body = request.body
    if len(body) > MAX_NOTIFY_BODY:
        return HttpResponse(
            json.dumps({"code": "FAIL", "message": "too large"}), status=413, content_type="application/json"
        )
    result = services.payment_handle_notification(gateway=gateway, body=body, headers=dict(request.headers))
    return HttpResponse(json.dumps(result.body or {}), status=result.http_status, content_type="application/json")


@router.post("/orders/{int:order_id}/refunds", response={201: RefundOut}, auth=api_auth)
def create_refund(request: ApiRequest, order_id: int, payload: RefundIn) -> Status[Refund]:
    order = order_get_for_staff(user=request.auth, order_id=order_id)
    lines = None if payload.lines is None else [(line.line_id, line.quantity) for line in payload.lines]
    refund = services.refund_create(
        actor=request.auth, order=order, lines=lines, reason=payload.reason, idempotency_key=payload.idempotency_key
    )
    return Status(201, refund)
