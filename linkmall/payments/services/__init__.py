"""Payment services (writes). Import from here: `from linkmall.payments.services import payment_start`."""

from linkmall.payments.services.notifications import NotificationResult, payment_handle_notification
from linkmall.payments.services.refunds import (
    refund_complete,
    refund_create,
    refund_fail,
    refund_submit,
    refund_unaccepted_payment,
)
from linkmall.payments.services.starting import PaymentStart, payment_start

__all__ = [
    "NotificationResult",
    "PaymentStart",
    "payment_handle_notification",
    "payment_start",
    "refund_complete",
    "refund_create",
    "refund_fail",
    "refund_submit",
    "refund_unaccepted_payment",
]
