from typing import Any

from ninja import Schema
from pydantic import Field

from linkmall.payments.models import Refund


class PaymentStartOut(Schema):
    payment_id: int
    out_trade_no: str
    gateway: str
    amount_fen: int
    amount: str
    pay_url: str
    params: dict[str, Any]


class RefundLineIn(Schema):
    line_id: int
    quantity: int = Field(ge=1, le=999)


class RefundIn(Schema):
    #: omit (or null) to refund everything that remains
    lines: list[RefundLineIn] | None = Field(None, max_length=100)
    reason: str = Field("", max_length=200)
    idempotency_key: str = Field(min_length=1, max_length=64)


class RefundLineOut(Schema):
    line: int
    quantity: int
    amount_fen: int


class RefundOut(Schema):
    id: int
    order_id: int
    out_refund_no: str
    status: str
    amount_fen: int
    amount: str
    shipping_fen: int
    lines: list[RefundLineOut]
    reason: str

    @staticmethod
    def resolve_amount(obj: Refund) -> str:
        from linkmall.core.money import fen_to_yuan

        return fen_to_yuan(obj.amount_fen)
