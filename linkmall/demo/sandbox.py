"""Paying an order the way a buyer and the sandbox gateway do it, without a browser.

`payment_start` opens the payment; the buyer confirms at the sandbox cashier
(`sandbox_trade_pay`); the gateway's signed notification goes into
`payment_handle_notification`, as the notify endpoint would hand it over.
"""

from linkmall.core.errors import Conflict


def pay_in_sandbox(*, buyer, order):
    from linkmall.payments.gateways.sandbox import (
        SandboxGateway,
        sandbox_notification_build,
        sandbox_trade_pay,
    )
    from linkmall.payments.services import payment_handle_notification, payment_start

    started = payment_start(actor=buyer, order=order)
    trade = sandbox_trade_pay(out_trade_no=started.payment.out_trade_no)
    body, headers = sandbox_notification_build(trade)
    result = payment_handle_notification(gateway=SandboxGateway.name, body=body, headers=headers)
    if not result.acknowledged:
        raise Conflict("The sandbox notification was not accepted.", code="demo_payment_failed",
                       detail={"order": order.number, "outcome": getattr(result, "outcome", "")})
    return result
