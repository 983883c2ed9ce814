"""/api/v1/referral/guide-pay: guides earn (导购提成 / 团队管理奖励, docs/o2o.md). The merchant's
terms with their compliance review and each guide's money; the guide's own earnings."""

from datetime import datetime
from decimal import Decimal

from ninja import Router, Schema
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.ledger.models import OwnerKind
from linkmall.ledger.selectors import balances_of
from linkmall.referral import guide_pay
from linkmall.referral.api_operator import RiskOut
from linkmall.stores.selectors.merchant import merchant_id_of

router = Router(tags=["guide pay"])


class TermsIn(Schema):
    #: percent of the goods' paid amount, 0–30, two decimals at most
    commission_percent: Decimal = Field(ge=0, le=guide_pay.COMMISSION_PERCENT_MAX, decimal_places=2)
    #: percent for the guide who invited the buyer's promoter (one level), 0–10
    team_percent: Decimal = Field(Decimal(0), ge=0, le=guide_pay.TEAM_PERCENT_MAX, decimal_places=2)
    #: required when the terms carry a risk (a management reward is team pay)
    acknowledge: bool = False


class GuideTotalOut(Schema):
    guide_id: int
    name: str
    store_id: int
    store_name: str
    is_active: bool
    orders: int
    pending_fen: int
    available_fen: int


class TermsOut(Schema):
    merchant_id: int
    commission_percent: Decimal
    team_percent: Decimal
    compliance: list[RiskOut]
    acknowledged_at: datetime | None
    updated_at: datetime | None
    guides: list[GuideTotalOut]


class EarningOut(Schema):
    order_id: int
    order_number: str
    paid_at: datetime
    roles: list[str]
    percent: str
    amount_fen: int
    settled: bool


class EarningsOut(Schema):
    guide_id: int
    pending_fen: int
    available_fen: int
    commission_percent: Decimal
    team_percent: Decimal
    orders: list[EarningOut]


def _terms_out(request: ApiRequest, merchant_id: int) -> dict[str, object]:
    terms = guide_pay.terms_of(merchant_id)
    totals = guide_pay.merchant_guide_totals(actor=request.auth, merchant_id=merchant_id)
    return {
        "merchant_id": merchant_id,
        "commission_percent": terms.commission_percent if terms else Decimal(0),
        "team_percent": terms.team_percent if terms else Decimal(0),
        "compliance": terms.compliance if terms else [],
        "acknowledged_at": terms.acknowledged_at if terms else None,
        "updated_at": terms.updated_at if terms else None,
        "guides": [{"guide_id": t.guide.pk, "name": t.guide.user.display_name or "", "store_id": t.guide.store_id,
                    "store_name": t.guide.store.name, "is_active": t.guide.is_active, "orders": t.orders,
                    "pending_fen": t.pending_fen, "available_fen": t.available_fen} for t in totals],
    }


@router.get("", response=TermsOut, auth=api_auth)
def terms_get(request: ApiRequest, merchant_id: int | None = None) -> dict[str, object]:
    """The merchant's guide pay and every guide's money (platform staff name the merchant)."""
    return _terms_out(request, merchant_id_of(actor=request.auth, merchant_id=merchant_id))


@router.put("", response=TermsOut, auth=api_auth)
def terms_put(request: ApiRequest, payload: TermsIn) -> dict[str, object]:
    """Set the terms; a management reward needs `acknowledge: true` (`compliance_ack_required`,
    409, with the risks). They apply to orders paid from now on."""
    merchant_id = merchant_id_of(actor=request.auth)
    guide_pay.terms_set(actor=request.auth, merchant_id=merchant_id, commission_percent=payload.commission_percent,
                        team_percent=payload.team_percent, acknowledge=payload.acknowledge)
    return _terms_out(request, merchant_id)


@router.get("/earnings", response=EarningsOut, auth=api_auth)
def earnings(request: ApiRequest) -> dict[str, object]:
    """The signed-in guide's money and its orders, newest first (200 at most)."""
    guide = guide_pay.guide_of(request.auth)
    balances = balances_of(owner_kind=OwnerKind.GUIDE, owner_id=guide.pk)
    terms = guide_pay.terms_of(guide.merchant_id)
    return {"guide_id": guide.pk, "pending_fen": balances.get("pending", 0),
            "available_fen": balances.get("available", 0),
            "commission_percent": terms.commission_percent if terms else Decimal(0),
            "team_percent": terms.team_percent if terms else Decimal(0),
            "orders": [{**e.__dict__, "roles": list(e.roles)} for e in guide_pay.earnings_of(guide)]}
