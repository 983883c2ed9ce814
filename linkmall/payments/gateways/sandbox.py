"""A sandbox gateway that behaves like a real one, for development, demos and tests.

It keeps its own side of each payment (SandboxTrade), shows a cashier page where the payer
confirms, and then notifies LinkMall asynchronously, signed with HMAC-SHA256 over the raw
body (key: settings.LINKMALL["SANDBOX_PAY_KEY"]), redelivering with back-off until it is
acknowledged — as WeChat Pay and Alipay do. Each delivery carries a fresh timestamp and nonce
and the same notify_id. The sandbox runs in LinkMall's process, so "delivering" calls the same
handler the HTTP notify endpoint calls.
"""

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse

from linkmall.core import clock
from linkmall.core.conf import linkmall_str
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.core.locking import lock_one
from linkmall.payments.gateways.base import BadSignature, Gateway, Notification, RefundResult
from linkmall.payments.models import SandboxRefund, SandboxTrade

SIGNATURE_HEADER = "x-sandbox-signature"
#: seconds between redeliveries of an unacknowledged notification (then it gives up)
REDELIVERY_DELAYS = (15, 15, 30, 180, 600, 1200, 1800, 3600)


def _key() -> bytes:
    return linkmall_str("SANDBOX_PAY_KEY").encode()


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(_key(), body, hashlib.sha256).digest()).decode()


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(k).lower().replace("_", "-"): str(v) for k, v in dict(headers).items()}


class SandboxGateway(Gateway):
    name = "sandbox"

    def create_payment(
        self, out_trade_no: str, amount_fen: int, description: str, notify_url: str, **options: object
    ) -> dict[str, Any]:
        trade, created = SandboxTrade.objects.get_or_create(
            out_trade_no=out_trade_no,
            defaults={
                "amount_fen": amount_fen,
                "description": description[:128],
                "notify_url": notify_url[:200],
                "return_url": str(options.get("return_url", ""))[:200],
            },
        )
        if not created and trade.amount_fen != amount_fen:
            raise Conflict("The gateway already has this trade with another amount.", code="gateway_conflict")
        return {"pay_url": reverse("payments:sandbox_pay", args=[out_trade_no]), "out_trade_no": out_trade_no}

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        signature = _lower(headers).get(SIGNATURE_HEADER, "")
        if not signature or not hmac.compare_digest(signature.encode(), sign(body).encode()):
            raise BadSignature("The notification signature does not verify.")
        try:
            data = json.loads(body)
            success_time = data.get("success_time")
            return Notification(
                notify_id=str(data["notify_id"])[:64],
                nonce=str(data["nonce"])[:64],
                timestamp=int(data["timestamp"]),
                out_trade_no=str(data["out_trade_no"]),
                transaction_id=str(data["transaction_id"])[:64],
                amount_fen=int(data["amount_fen"]),
                trade_state=str(data.get("trade_state", "SUCCESS")),
                paid_at=datetime.fromtimestamp(int(success_time), tz=UTC) if success_time else None,
                payload=data,
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InvalidInput("The notification is malformed.", code="malformed") from None

    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int) -> RefundResult:
        with transaction.atomic():
            trade = SandboxTrade.objects.filter(out_trade_no=out_trade_no).first()
            if trade is None:
                return RefundResult(status="failed", message="TRADE_NOT_EXIST")
            trade = lock_one(SandboxTrade.objects.all(), trade.pk)
            done = SandboxRefund.objects.filter(out_refund_no=out_refund_no).first()
            if done is not None:  # the same refund asked again: the same answer
                return RefundResult(status="succeeded", gateway_refund_id=done.refund_id)
            if trade.status != SandboxTrade.Status.PAID:
                return RefundResult(status="failed", message="TRADE_NOT_PAID")
            if total_fen != trade.amount_fen or amount_fen <= 0:
                return RefundResult(status="failed", message="INVALID_AMOUNT")
            refunded = trade.refunds.aggregate(s=Sum("amount_fen"))["s"] or 0
            if refunded + amount_fen > trade.amount_fen:
                return RefundResult(status="failed", message="REFUND_EXCEEDS_PAYMENT")
            refund = SandboxRefund.objects.create(
                trade=trade,
                out_refund_no=out_refund_no,
                refund_id=f"SBXR{uuid.uuid4().hex[:24]}",
                amount_fen=amount_fen,
            )
        return RefundResult(status="succeeded", gateway_refund_id=refund.refund_id)


# --- the sandbox's own side: the cashier and the notifier ---------------------------------


def sandbox_trade_get(*, out_trade_no: str) -> SandboxTrade:
    trade = SandboxTrade.objects.filter(out_trade_no=out_trade_no).first()
    if trade is None:
        raise NotFound("No such trade.")
    return trade


def sandbox_trade_pay(*, out_trade_no: str) -> SandboxTrade:
    """The payer confirms on the cashier page: the sandbox takes the money and schedules the
    notification. Paying twice changes nothing."""
    from linkmall.core.tasks import enqueue_after
    from linkmall.payments.tasks import sandbox_notify_task

    with transaction.atomic():
        trade = sandbox_trade_get(out_trade_no=out_trade_no)
        trade = lock_one(SandboxTrade.objects.all(), trade.pk)
        if trade.status == SandboxTrade.Status.PAID:
            return trade
        trade.status = SandboxTrade.Status.PAID
        trade.transaction_id = f"SBX{clock.now():%Y%m%d}{secrets.randbelow(10**12):012d}"
        trade.notify_id = uuid.uuid4().hex
        trade.paid_at = clock.now()
        trade.save(update_fields=["status", "transaction_id", "notify_id", "paid_at"])
        enqueue_after(sandbox_notify_task, None, trade.out_trade_no)
    return trade


def sandbox_notification_build(
    trade: SandboxTrade, *, timestamp: int | None = None, nonce: str | None = None, **overrides: object
) -> tuple[bytes, dict[str, str]]:
    """One signed delivery of the trade's notification (a fresh timestamp and nonce each time)."""
    data: dict[str, object] = {
        "notify_id": trade.notify_id,
        "out_trade_no": trade.out_trade_no,
        "transaction_id": trade.transaction_id,
        "amount_fen": trade.amount_fen,
        "trade_state": "SUCCESS",
        "success_time": int(trade.paid_at.timestamp()) if trade.paid_at else None,
        "timestamp": int(clock.now().timestamp()) if timestamp is None else timestamp,
        "nonce": nonce or secrets.token_hex(16),
    }
    data.update(overrides)
    body = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return body, {"Content-Type": "application/json", "X-Sandbox-Signature": sign(body)}


def sandbox_notify_deliver(*, out_trade_no: str) -> bool:
    """Deliver the notification once; if it is not acknowledged, schedule the next try."""
    from linkmall.core.tasks import enqueue_after
    from linkmall.payments.services import payment_handle_notification
    from linkmall.payments.tasks import sandbox_notify_task

    trade = sandbox_trade_get(out_trade_no=out_trade_no)
    if trade.status != SandboxTrade.Status.PAID or trade.acknowledged_at is not None:
        return False
    body, headers = sandbox_notification_build(trade)
    result = payment_handle_notification(gateway=SandboxGateway.name, body=body, headers=headers)
    with transaction.atomic():
        trade = lock_one(SandboxTrade.objects.all(), trade.pk)
        trade.notify_attempts += 1
        if result.acknowledged:
            trade.acknowledged_at = clock.now()
        elif trade.notify_attempts <= len(REDELIVERY_DELAYS):
            delay = REDELIVERY_DELAYS[trade.notify_attempts - 1]
            enqueue_after(sandbox_notify_task, clock.now() + timedelta(seconds=delay), trade.out_trade_no)
        trade.save(update_fields=["notify_attempts", "acknowledged_at"])
    return result.acknowledged
