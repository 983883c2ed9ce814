"""The interface every payment gateway implements, and the values it hands back."""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from linkmall.core.errors import DomainError


class BadSignature(DomainError):
    """The notification is not signed by the gateway (or was changed on the way)."""

    code = "bad_signature"
    status = 400


class GatewayUnavailable(DomainError):
    """The gateway did not answer; the caller may try again with the same idempotency key."""

    code = "gateway_unavailable"
    status = 503


@dataclass(frozen=True)
class Notification:
    """A verified payment notification."""

    notify_id: str
    nonce: str
    timestamp: int  # unix seconds when the gateway signed this delivery
    out_trade_no: str
    transaction_id: str
    amount_fen: int
    trade_state: str  # "SUCCESS" when money was taken
    paid_at: datetime | None
    #: the notification's JSON as the gateway sent it
    payload: dict[str, Any] = field(default_factory=dict)

    def content(self) -> dict[str, str | int]:
        """The business content, which every redelivery of one notification repeats exactly."""
        return {
            "notify_id": self.notify_id,
            "out_trade_no": self.out_trade_no,
            "transaction_id": self.transaction_id,
            "amount_fen": self.amount_fen,
            "trade_state": self.trade_state,
        }


@dataclass(frozen=True)
class RefundResult:
    #: "succeeded" (money is on its way back), "processing" (the gateway will tell us) or "failed"
    status: str
    gateway_refund_id: str = ""
    message: str = ""


class Gateway(ABC):
    name: str = ""

    @abstractmethod
    def create_payment(
        self, out_trade_no: str, amount_fen: int, description: str, notify_url: str, **options: object
    ) -> dict[str, Any]:
        """Open a payment at the gateway; returns what the client needs to pay (e.g. `pay_url`)."""

    @abstractmethod
    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Verify the signature and parse; raise BadSignature when it does not verify."""

    @abstractmethod
    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int) -> RefundResult:
        """Ask for money back; idempotent on `out_refund_no`. Raise GatewayUnavailable if unreachable."""

    def ack(self, *, ok: bool, message: str = "") -> tuple[int, dict[str, str]]:
        """The HTTP answer the gateway expects to a notification: success stops its redelivery."""
        if ok:
            return 200, {"code": "SUCCESS", "message": "OK"}
        return 400, {"code": "FAIL", "message": message or "FAIL"}
