"""/api/v1/campaigns/invites: invite tiers (阶梯邀请) for the mini-program. The inviter's progress
and gift claims under /me, the merchant's campaigns under /merchant.

It lives in referral, not campaigns, because activation runs the compliance review of the 2+1
plan (`referral.invites.invite_campaign_move`) and a gift claim places an order; config/api.py
mounts it under /campaigns/invites beside the campaigns router."""

from datetime import datetime
from typing import Literal

from ninja import Router, Schema, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.campaigns.models import InviteCampaign, InvitePrize
from linkmall.campaigns.selectors import consumer
from linkmall.campaigns.selectors import invites as selectors
from linkmall.campaigns.services import invites as services
from linkmall.core.errors import NotFound
from linkmall.referral import invites
from linkmall.referral.api_operator import RiskOut
from linkmall.referral.sharing import share_url_for
from linkmall.stores.models import Merchant
from linkmall.stores.selectors.merchant import merchant_id_of

router = Router(tags=["invites"])

ID = Field(ge=1, le=2**31 - 1)


class TierIn(Schema):
    invitees: int = Field(ge=1, le=1000)
    prize_kind: Literal["coupon", "gift"]
    coupon_template_id: int | None = Field(None, ge=1, le=2**31 - 1)
    gift_listing_id: int | None = Field(None, ge=1, le=2**31 - 1)
    funder: Literal["merchant", "platform"] = "merchant"


class InviteCampaignIn(Schema):
    merchant_id: int | None = Field(None, ge=1, le=2**31 - 1)
    name: str = Field(max_length=200)
    counts: Literal["first_order", "products"] = "first_order"
    product_ids: list[int] = Field(default_factory=list, max_length=200)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    tiers: list[TierIn] = Field(min_length=1, max_length=20)


class InviteCampaignPatch(Schema):
    name: str | None = Field(None, max_length=200)
    counts: Literal["first_order", "products"] | None = None
    product_ids: list[int] | None = Field(None, max_length=200)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    tiers: list[TierIn] | None = Field(None, min_length=1, max_length=20)


class InviteStatusIn(Schema):
    status: Literal["active", "paused", "ended"]


class TierOut(Schema):
    id: int
    invitees: int
    prize_kind: str
    coupon_template_id: int | None
    gift_listing_id: int | None
    funder: str


class InviteCampaignOut(Schema):
    id: int
    merchant_id: int
    name: str
    counts: str
    product_ids: list[int]
    starts_at: datetime
    ends_at: datetime | None
    status: str
    compliance: list[RiskOut]
    tiers: list[TierOut]
    credits_counted: int = 0
    credits_refunded: int = 0
    inviters: int = 0
    prizes_awarded: int = 0

    @staticmethod
    def resolve_tiers(obj: InviteCampaign) -> list[object]:
        return list(obj.tiers.all())


class PrizeOut(Schema):
    id: int
    tier_id: int
    status: str
    coupon_id: int | None
    order_ref: str
    failure: str


class TierProgressOut(Schema):
    invitees: int
    prize_kind: str
    prize_name: str
    reached: bool
    is_next: bool
    prize: PrizeOut | None


class InviteeOut(Schema):
    name: str
    status: str


class ProgressOut(Schema):
    campaign_id: int
    name: str
    merchant_id: int
    status: str
    counted: int
    remaining: int
    next_prize: str | None
    tiers: list[TierProgressOut]
    invitees: list[InviteeOut]
    share_url: str


class PrizeClaimIn(Schema):
    address_id: int = ID


def _campaign_out(campaign_id: int) -> InviteCampaign:
    return InviteCampaign.objects.prefetch_related("tiers").get(pk=campaign_id)


@router.get("/me", response=list[ProgressOut], auth=api_auth)
def my_progress(request: ApiRequest) -> list[dict[str, object]]:
    """My progress in every running invite campaign: reached and next tiers, friends, prizes."""
    user = consumer(request.auth)
    share = request.build_absolute_uri(share_url_for(user_id=user.pk))
    return [{
        "campaign_id": p.campaign.pk, "name": p.campaign.name, "merchant_id": p.campaign.merchant_id,
        "status": p.campaign.status, "counted": p.counted, "remaining": p.remaining,
        "next_prize": selectors.tier_prize_name(p.next_tier) if p.next_tier else None,
        "tiers": [{"invitees": tp.tier.invitees, "prize_kind": tp.tier.prize_kind,
                   "prize_name": selectors.tier_prize_name(tp.tier), "reached": tp.reached, "is_next": tp.is_next,
                   "prize": tp.prize} for tp in p.tiers],
        "invitees": [{"name": name, "status": status} for name, status in p.invitees],
        "share_url": share,
    } for p in selectors.invite_progress(user=user)]


@router.post("/me/prizes/{int:prize_id}/claim", response=PrizeOut, auth=api_auth)
def prize_claim(request: ApiRequest, prize_id: int, payload: PrizeClaimIn) -> InvitePrize:
    """Pick the address of a gift that waits (`to_claim`); the gift order is placed now."""
    return invites.invite_prize_claim(user=request.auth, prize_id=prize_id, address_id=payload.address_id)


@router.get("/merchant", response=list[InviteCampaignOut], auth=api_auth)
def campaign_list(request: ApiRequest) -> list[InviteCampaign]:
    """The merchant's invite campaigns, newest first (100 at most), with their counts."""
    return list(selectors.invite_campaign_list(actor=request.auth).prefetch_related("tiers")[:100])


@router.post("/merchant", response={201: InviteCampaignOut}, auth=api_auth)
def campaign_create(request: ApiRequest, payload: InviteCampaignIn) -> Status[InviteCampaign]:
    merchant = Merchant.objects.filter(pk=merchant_id_of(actor=request.auth, merchant_id=payload.merchant_id)).first()
    if merchant is None:
        raise NotFound("No such merchant.")
    fields = payload.dict(exclude={"merchant_id", "tiers"})
    campaign = services.invite_campaign_create(actor=request.auth, merchant=merchant,
                                               tiers=[t.dict() for t in payload.tiers], **fields)
    return Status(201, _campaign_out(campaign.pk))


@router.get("/merchant/{int:campaign_id}", response=InviteCampaignOut, auth=api_auth)
def campaign_get(request: ApiRequest, campaign_id: int) -> InviteCampaign:
    selectors.invite_campaign_get(actor=request.auth, campaign_id=campaign_id)
    return _campaign_out(campaign_id)


@router.patch("/merchant/{int:campaign_id}", response=InviteCampaignOut, auth=api_auth)
def campaign_update(request: ApiRequest, campaign_id: int, payload: InviteCampaignPatch) -> InviteCampaign:
    changes = payload.dict(exclude_unset=True, exclude={"tiers"})
    tiers = [t.dict() for t in payload.tiers] if payload.tiers is not None else None
    services.invite_campaign_update(actor=request.auth, campaign_id=campaign_id, tiers=tiers, **changes)
    return _campaign_out(campaign_id)


@router.get("/merchant/{int:campaign_id}/review", response=list[RiskOut], auth=api_auth)
def campaign_review(request: ApiRequest, campaign_id: int) -> list[dict[str, str]]:
    """The compliance review activation will run (禁止传销条例 Art. 7); a high risk refuses it."""
    campaign = selectors.invite_campaign_get(actor=request.auth, campaign_id=campaign_id)
    return invites.invite_campaign_review(campaign=campaign)


@router.post("/merchant/{int:campaign_id}/status", response=InviteCampaignOut, auth=api_auth)
def campaign_status(request: ApiRequest, campaign_id: int, payload: InviteStatusIn) -> InviteCampaign:
    """Start (after the compliance review: `invite_headcount_pay` refuses), pause, resume or end."""
    invites.invite_campaign_move(actor=request.auth, campaign_id=campaign_id, status=payload.status)
    return _campaign_out(campaign_id)


@router.post("/merchant/prizes/{int:prize_id}/retry", response=PrizeOut, auth=api_auth)
def prize_retry(request: ApiRequest, prize_id: int) -> InvitePrize:
    """Try a failed prize again (a coupon template topped up, a gift back in stock)."""
    return invites.invite_prize_retry(actor=request.auth, prize_id=prize_id)
