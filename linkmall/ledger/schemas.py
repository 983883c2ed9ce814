"""Typed schemas of the ledger API."""

from datetime import date, datetime

from ninja import Field, Schema


class StatementLineOut(Schema):
    at: datetime
    kind: str
    reference: str
    memo: str
    amount_fen: int
    amount: str
    balance_after_fen: int


class BucketOut(Schema):
    bucket: str
    opening_fen: int
    opening: str
    credits_fen: int
    debits_fen: int
    closing_fen: int
    closing: str
    lines: list[StatementLineOut]


class StatementOut(Schema):
    owner: str
    date_from: date
    date_to: date
    buckets: list[BucketOut]


class WithdrawalIn(Schema):
    #: "supplier:ID" or "merchant:ID" (promoters withdraw through /referral/me)
    owner: str = Field(..., max_length=40)
    amount: str = Field(..., max_length=20, description='yuan, e.g. "100.00"')
    key: str = Field(..., min_length=1, max_length=60, description="idempotency key: the same key is one withdrawal")


class WithdrawalOut(Schema):
    id: int
    owner: str
    amount_fen: int
    amount: str
    fee_fen: int
    fee: str
    status: str
    requested_at: datetime
