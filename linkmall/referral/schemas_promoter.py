"""Typed shapes of the promoter API (/api/v1/referral/me). Amounts are integer fen (`*_fen`)."""

from datetime import datetime

from ninja import Schema
from pydantic import Field

from linkmall.core.paging import PageOut
from linkmall.ledger.models import Withdrawal
from linkmall.referral.models import Promoter, Reward


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
    #: set on each row by the selectors (`_named`): the only name one promoter sees of another
    name: str = Field(alias="public_name")
    level: str
    level_label: str
    entered_at: datetime | None
    bound_at: datetime | None

    @staticmethod
    def resolve_level_label(obj: Promoter) -> str:
        return str(obj.get_level_display())


class MemberPage(PageOut[MemberOut]):
    pass


class RewardOut(Schema):
    id: int
    order_number: str = Field(alias="order.number")
    kind: str
    kind_label: str
    #: what is owed now, after refunds; `accrued_fen` is what the order first earned
    amount_fen: int
    accrued_fen: int
    status: str
    status_label: str
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj: Reward) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: Reward) -> str:
        return str(obj.get_status_display())


class RewardPage(PageOut[RewardOut]):
    pass


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
    def resolve_status_label(obj: Withdrawal) -> str:
        return str(obj.get_status_display())


class WithdrawalPage(PageOut[PromoterWithdrawalOut]):
    pass


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
