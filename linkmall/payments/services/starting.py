"""Starting a payment: open it at the gateway and hand the client what it needs to pay."""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from linkmall.accounts.models import User
from linkmall.accounts.tenancy import require_owner
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput
from linkmall.core.locking import lock_one
from linkmall.orders.models import Order
from linkmall.payments.gateways import get_gateway
from linkmall.payments.models import Payment


@dataclass(frozen=True)
class PaymentStart:
    payment: Payment
    pay_url: str
    #: everything the gateway returned for the client (e.g. mini-program pay parameters)
    params: dict[str, Any] = field(default_factory=dict)


def payment_start(*, actor: User, order: Order, return_url: str = "") -> PaymentStart:
    """Open (or reopen) the payment of an unpaid order. Asking again while it is open returns the
    same payment, so a double tap never charges twice."""
    require_owner(actor, order.buyer_id, what="order")
    if return_url and not url_has_allowed_host_and_scheme(return_url, allowed_hosts=None):
        raise InvalidInput("return_url must be a path on this site.", detail={"field": "return_url"})
    gateway = get_gateway()
    with transaction.atomic():
        locked = lock_one(Order.objects.all(), order.pk)
        if locked.status != Order.Status.PENDING_PAYMENT or locked.expires_at <= clock.now():
            raise Conflict("This order cannot be paid.", code="order_not_payable", detail={"status": locked.status})
        if locked.total_fen <= 0:
            # checkout places no such order; a gateway takes no payment of 0.00
            raise Conflict("Nothing is left to pay.", code="order_not_payable", detail={"reason": "nothing_to_pay"})
        payment = (
            Payment.objects.filter(
                order=locked, gateway=gateway.name, status=Payment.Status.CREATED, amount_fen=locked.total_fen
            )
            .order_by("pk")
            .first()
        )
        if payment is None:
            attempt = Payment.objects.filter(order=locked).count() + 1
            payment = Payment.objects.create(
                order=locked,
                gateway=gateway.name,
                out_trade_no=f"P{locked.number}{attempt:02d}",
                amount_fen=locked.total_fen,
            )
        params = gateway.create_payment(
            payment.out_trade_no,
            payment.amount_fen,
            f"链动商城订单 {locked.number}",
            reverse("api:payment_notify", kwargs={"gateway": gateway.name}),
            return_url=return_url,
        )
    return PaymentStart(payment=payment, pay_url=params.get("pay_url", ""), params=params)
