"""Typed shapes of the promoter API (/api/v1/referral/me). Amounts are integer fen (`*_fen`)."""

from datetime import datetime

from ninja import Schema
from pydantic import Field


class BalancesOut(Schema):
    pending_fen: int
    available_fen: int
    withdrawn_fen: int
    #: what clawbacks took beyond the available balance; withdrawals wait until it is paid off
    debt_fen: int


class PersonOut(Schema):
    """Another promoter, as one promoter may see them: a public name, never a phone number."""

    name: str


class SummaryOut(Schema):
    level: str
    level_label: str
    referrer: PersonOut | None
    bound_via: str
    team_owner: PersonOut | None
    slots: int
    slide_count: int
    team_size: int
    referral_count: int
    balances: BalancesOut


class MemberOut(Schema):
    name: str
    level: str
    level_label: str
    entered_at: datetime | None
    bound_at: datetime | None

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.public_name

    @staticmethod
    def resolve_level_label(obj) -> str:
        return str(obj.get_level_display())


class MemberPage(Schema):
    items: list[MemberOut]
    page: int
    page_size: int
    total: int
    has_next: bool


class RewardOut(Schema):
    id: int
    order_number: str
    kind: str
    kind_label: str
    #: what is owed now, after refunds; `accrued_fen` is what the order first earned
    amount_fen: int
    accrued_fen: int
    status: str
    status_label: str
    created_at: datetime

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.number

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class RewardPage(Schema):
    items: list[RewardOut]
    page: int
    page_size: int
    total: int
    has_next: bool


class PromoterWithdrawalOut(Schema):
    id: int
    amount_fen: int
    fee_fen: int
    net_fen: int
    status: str
    status_label: str
    requested_at: datetime
    reviewed_at: datetime | None
    note: str

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class WithdrawalPage(Schema):
    items: list[PromoterWithdrawalOut]
    page: int
    page_size: int
    total: int
    has_next: bool


class PromoterWithdrawalIn(Schema):
    amount_fen: int = Field(gt=0, le=10_000_000_00)
    #: the client's idempotency key: sending the same request twice makes one withdrawal
    key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class PromoterShareOut(Schema):
    code: str
    url: str
    qr_url: str
    qr_png_url: str
    poster_url: str
    poster_png_url: str


class BindIn(Schema):
    """A mini-program opened through a share (its scene carries the code) binds the user."""

    code: str = Field(min_length=1, max_length=64)
    via: str = Field("link", max_length=16)


class BindOut(Schema):
    bound: bool
    referrer: PersonOut | None
