"""/api/v1/referral/me: the promoter centre for the mini-program and the H5 pages.

Everything answers about the authenticated user only; there is no id of another promoter to ask for.
"""

from typing import Any

from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.core.errors import NotFound
from linkmall.core.paging import MAX_PAGE_SIZE, Page
from linkmall.ledger.models import OwnerKind, Withdrawal
from linkmall.ledger.withdrawals import withdrawal_request
from linkmall.referral import selectors
from linkmall.referral.models import Promoter, Reward
from linkmall.referral.schemas_promoter import (
    BindIn,
    BindOut,
    MemberPage,
    PromoterShareOut,
    PromoterWithdrawalIn,
    PromoterWithdrawalOut,
    RewardPage,
    SummaryOut,
    WithdrawalPage,
)
from linkmall.referral.sharing import referral_bind_from_visit, share_code_for, share_url_for

router = Router(tags=["referral-promoter"])


class PromoterPageQuery(Schema):
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


def _consumer(request: ApiRequest) -> User:
    return require_role(request.auth, Role.CONSUMER)


def _person(user: User | None) -> dict[str, str] | None:
    return {"name": selectors.public_name(user)} if user is not None else None


@router.get("/summary", response=SummaryOut, auth=api_auth)
def summary(request: ApiRequest) -> dict[str, Any]:
    o = selectors.promoter_overview(user=_consumer(request))
    b = o.balances
    return {
        "level": o.level, "level_label": o.level_label, "referrer": _person(o.referrer), "bound_via": o.bound_via,
        "team_owner": _person(o.team_owner), "slots": o.slots, "slide_count": o.slide_count,
        "team_size": o.team_size, "referral_count": o.referral_count,
        "balances": {"pending_fen": b.pending_fen, "available_fen": b.available_fen,
                     "withdrawn_fen": b.withdrawn_fen, "debt_fen": b.debt_fen},
    }


@router.get("/team", response=MemberPage, auth=api_auth)
def team(request: ApiRequest, query: Query[PromoterPageQuery]) -> Page[Promoter]:
    """The members of my team (only a boss has one)."""
    return selectors.promoter_team(user=_consumer(request), page=query.page, page_size=query.page_size)


@router.get("/referrals", response=MemberPage, auth=api_auth)
def referrals(request: ApiRequest, query: Query[PromoterPageQuery]) -> Page[Promoter]:
    """The people I invited."""
    return selectors.promoter_referrals(user=_consumer(request), page=query.page, page_size=query.page_size)


@router.get("/rewards", response=RewardPage, auth=api_auth)
def rewards(request: ApiRequest, query: Query[PromoterPageQuery]) -> Page[Reward]:
    return selectors.promoter_rewards(user=_consumer(request), page=query.page, page_size=query.page_size)


@router.get("/withdrawals", response=WithdrawalPage, auth=api_auth)
def withdrawals(request: ApiRequest, query: Query[PromoterPageQuery]) -> Page[Withdrawal]:
    return selectors.promoter_withdrawals(user=_consumer(request), page=query.page, page_size=query.page_size)


@router.post("/withdrawals", response={201: PromoterWithdrawalOut}, auth=api_auth)
def withdraw(request: ApiRequest, payload: PromoterWithdrawalIn) -> Status[Withdrawal]:
    user = _consumer(request)
    withdrawal = withdrawal_request(actor=user, owner_kind=OwnerKind.PROMOTER, owner_id=user.pk,
                                    amount_fen=payload.amount_fen, key=f"promoter:{user.pk}:{payload.key}")
    return Status(201, withdrawal)


@router.get("/withdrawals/{int:withdrawal_id}", response=PromoterWithdrawalOut, auth=api_auth)
def withdrawal(request: ApiRequest, withdrawal_id: int) -> Withdrawal:
    found = selectors.promoter_withdrawal_get(user=_consumer(request), withdrawal_id=withdrawal_id)
    if found is None:  # someone else's withdrawal answers the same as none at all
        raise NotFound("No such withdrawal.")
    return found


@router.get("/share", response=PromoterShareOut, auth=api_auth)
def share(request: ApiRequest) -> dict[str, str]:
    user = _consumer(request)
    absolute = request.build_absolute_uri
    return {
        "code": share_code_for(user_id=user.pk),
        "url": absolute(share_url_for(user_id=user.pk, via="link")),
        "qr_url": absolute(share_url_for(user_id=user.pk, via="qr")),
        "qr_png_url": absolute(reverse("referral:promoter_qr")),
        "poster_url": absolute(share_url_for(user_id=user.pk, via="poster")),
        "poster_png_url": absolute(reverse("referral:promoter_poster")),
    }


@router.post("/bind", response=BindOut, auth=api_auth)
def bind(request: ApiRequest, payload: BindIn) -> dict[str, Any]:
    """First-touch binding from a share the mini-program was opened through; a no-op when it cannot bind."""
    user = _consumer(request)
    bound = referral_bind_from_visit(user=user, code=payload.code, via=payload.via)
    return {"bound": bound, "referrer": _person(selectors.promoter_referrer(user=user))}
