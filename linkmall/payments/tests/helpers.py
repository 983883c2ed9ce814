"""Paying through the sandbox the way a buyer does: start, confirm on the cashier, deliver."""

from linkmall.core.tasks import run_due
from linkmall.payments.gateways.sandbox import sandbox_trade_pay
from linkmall.payments.services import payment_start


def pay(order, *, deliver: bool = True):
    started = payment_start(actor=order.buyer, order=order)
    trade = sandbox_trade_pay(out_trade_no=started.payment.out_trade_no)
    if deliver:
        run_due()
    order.refresh_from_db()
    started.payment.refresh_from_db()
    return started.payment, trade
