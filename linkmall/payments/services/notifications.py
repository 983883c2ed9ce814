"""Payment notifications from gateways: verify, refuse what must be refused, apply exactly once."""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from linkmall.core import clock
from linkmall.core.conf import linkmall_int
from linkmall.core.errors import Conflict, DomainError
from linkmall.core.locking import lock_one
from linkmall.orders.services import order_mark_paid
from linkmall.payments.gateways import BadSignature, Gateway, Notification, get_gateway
from linkmall.payments.models import Payment, PaymentNotification
from linkmall.referral.settlement import order_paid

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
#: outcomes the gateway is told "received" for, so it stops redelivering
ACKNOWLEDGED = {ACCEPTED, DUPLICATE, "ignored"}


@dataclass(frozen=True)
class NotificationResult:
    outcome: str
    payment_id: int | None = None
    http_status: int = 200
    body: dict[str, str] | None = None

    @property
    def acknowledged(self) -> bool:
        return self.outcome in ACKNOWLEDGED


def _digest(notification: Notification) -> str:
    return hashlib.sha256(json.dumps(notification.content(), sort_keys=True).encode()).hexdigest()


def _raw_payload(body: bytes) -> dict[str, Any]:
    """What an unverified delivery said, in a form every database can store. PostgreSQL's jsonb
    refuses NUL (\\u0000) and lone surrogates, and anyone can post those to the notify URL; such a
    body is kept as text, with what cannot be stored shown as U+FFFD."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: [[[[…]]]] nested deeply
        data = None
    if isinstance(data, dict) and _storable(data):
        return data
    return {"raw": body[:2000].decode("utf-8", "replace").replace("\x00", "\ufffd")}


def _storable(data: dict[str, Any]) -> bool:
    text = json.dumps(data, ensure_ascii=False)  # NUL stays escaped; a lone surrogate stays raw
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\\u0000" not in text


def _finish(gateway: Gateway, outcome: str, *, payment_id: int | None = None, message: str = "") -> NotificationResult:
    status, body = gateway.ack(ok=outcome in ACKNOWLEDGED, message=message or outcome)
    return NotificationResult(outcome=outcome, payment_id=payment_id, http_status=status, body=body)


def payment_handle_notification(*, gateway: str, body: bytes, headers: Mapping[str, str]) -> NotificationResult:
    """Handle one delivery of a gateway notification. Every delivery is recorded with its outcome.

    Refused: `bad_signature`, `malformed`, `stale` (signed longer ago than NOTIFY_MAX_AGE_SECONDS),
    `replayed` (a notify_id or nonce seen before with other content), `unknown_payment`,
    `amount_mismatch`. The same notification delivered again is a `duplicate`: acknowledged, and
    nothing happens twice.
    """
    gw = get_gateway(gateway)
    try:
        notification = gw.parse_notification(body, headers)
    except BadSignature:
        PaymentNotification.objects.create(
            gateway=gw.name, notify_id="", payload=_raw_payload(body), outcome="bad_signature"
        )
        return _finish(gw, "bad_signature")
    except DomainError as exc:
        PaymentNotification.objects.create(gateway=gw.name, notify_id="", payload=_raw_payload(body), outcome=exc.code)
        return _finish(gw, exc.code)

    digest = _digest(notification)
    record: dict[str, object] = {
        "gateway": gw.name,
        "notify_id": notification.notify_id,
        "payload": notification.payload,
        "nonce": notification.nonce,
        "content_digest": digest,
    }
    max_age = linkmall_int("NOTIFY_MAX_AGE_SECONDS", 300)
    if abs(clock.now().timestamp() - notification.timestamp) > max_age:
        PaymentNotification.objects.create(outcome="stale", **record)
        return _finish(gw, "stale")

    with transaction.atomic():
        payment = Payment.objects.filter(gateway=gw.name, out_trade_no=notification.out_trade_no).first()
        if payment is not None:
            # serializes every delivery for one payment: the second one sees what the first did
            payment = lock_one(Payment.objects.all(), payment.pk)
        if _is_replay(gw.name, notification, digest):
            PaymentNotification.objects.create(outcome="replayed", payment=payment, **record)
            return _finish(gw, "replayed")
        if payment is None:
            PaymentNotification.objects.create(outcome="unknown_payment", **record)
            return _finish(gw, "unknown_payment")
        if notification.amount_fen != payment.amount_fen:
            PaymentNotification.objects.create(outcome="amount_mismatch", payment=payment, **record)
            return _finish(gw, "amount_mismatch", payment_id=payment.pk)
        if notification.trade_state != "SUCCESS":
            PaymentNotification.objects.create(outcome="ignored", payment=payment, **record)
            return _finish(gw, "ignored", payment_id=payment.pk)
        if payment.transaction_id:
            outcome = DUPLICATE if payment.transaction_id == notification.transaction_id else "transaction_mismatch"
            PaymentNotification.objects.create(outcome=outcome, payment=payment, **record)
            return _finish(gw, outcome, payment_id=payment.pk)
        _apply_success(payment, notification)
        PaymentNotification.objects.create(outcome=ACCEPTED, payment=payment, **record)
    return _finish(gw, ACCEPTED, payment_id=payment.pk)


def _is_replay(gateway: str, notification: Notification, digest: str) -> bool:
    """A notify_id seen before with other content, or a nonce seen before on another delivery
    whose content differs, is a replay (a redelivery repeats the content exactly)."""
    verified = PaymentNotification.objects.filter(gateway=gateway).exclude(content_digest="").exclude(
        content_digest=digest)
    # one lookup per index ((gateway, notify_id) and (gateway, nonce)): an OR of the two would
    # read every notification of the gateway on SQLite
    if verified.filter(notify_id=notification.notify_id).exists():
        return True
    return bool(notification.nonce) and verified.filter(nonce=notification.nonce).exists()


def _apply_success(payment: Payment, notification: Notification) -> None:
    """Money was taken. Mark the order paid; if it can no longer be paid (expired and cancelled,
    or already paid by another payment), keep the record and give the money back."""
    from linkmall.payments.group_refunds import group_deadline_book
    from linkmall.payments.services.refunds import refund_unaccepted_payment

    paid_at = notification.paid_at or clock.now()
    try:
        with transaction.atomic():
            order_mark_paid(order_id=payment.order_id, paid_at=paid_at)
            # guarded: the caller saw no transaction id under the row lock; the partial unique
            # index is the database's last word on "one succeeded payment per order"
            Payment.objects.filter(pk=payment.pk, transaction_id__isnull=True).update(
                status=Payment.Status.SUCCEEDED, transaction_id=notification.transaction_id, paid_at=paid_at
            )
            # the money split and the 2+1 rewards, in the same transaction as "paid"
            order_paid(order_id=payment.order_id)
            # a group buy's first paid member books the group's deadline run (refunds if it fails)
            group_deadline_book(order_id=payment.order_id)
    except Conflict as exc:
        if exc.code != "order_not_payable":
            raise
        accepted = False
    except IntegrityError:
        accepted = False
    else:
        accepted = True
    if not accepted:
        Payment.objects.filter(pk=payment.pk, transaction_id__isnull=True).update(
            status=Payment.Status.REFUNDED, transaction_id=notification.transaction_id, paid_at=paid_at
        )
        payment.refresh_from_db()
        refund_unaccepted_payment(payment=payment)
