"""/api/v1/campaigns/share: share-to-get (分享领券) for the mini-program. A friend reads a campaign's
landing and claims the friend coupon through a sharer's code; a customer reads their progress and
share links; the merchant owner creates, changes, starts, pauses and ends campaigns under /merchant/."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.accounts.models import Role, User
from linkmall.accounts.sharecodes import CODE_LENGTH, share_code_for, share_code_user_id
from linkmall.campaigns.api import CampaignConsoleQuery, _merchant, _optional_user
from linkmall.campaigns.models import Coupon, ShareCampaign
from linkmall.campaigns.offers import template_label
from linkmall.campaigns.schemas import CampaignStatusIn, CouponOut, Id, Name
from linkmall.campaigns.selectors import consumer
from linkmall.campaigns.selectors import sharing as reads
from linkmall.campaigns.selectors.sharing import ShareStanding
from linkmall.campaigns.services import sharing
from linkmall.core import clock
from linkmall.core.errors import NotFound
from linkmall.core.paging import Page, PageOut, paginate

router = Router(tags=["campaigns"])

ModeIn = Literal["claims", "orders"]
Count = Annotated[int, Field(ge=1, le=100)]


class ShareCampaignOut(Schema):
    id: int
    merchant_id: int
    name: str
    mode: str
    friend_template_id: int
    friend_offer: str
    reward_template_id: int
    reward_offer: str
    friends_needed: int
    max_rewards: int
    starts_at: datetime
    ends_at: datetime | None
    status: str

    @staticmethod
    def resolve_friend_offer(obj: ShareCampaign) -> str:
        return template_label(obj.friend_template)

    @staticmethod
    def resolve_reward_offer(obj: ShareCampaign) -> str:
        return template_label(obj.reward_template)


class ShareCampaignConsoleOut(ShareCampaignOut):
    sharers: int = Field(alias="n_sharers")
    claims: int = Field(alias="n_claims")
    converted: int = Field(alias="n_converted")
    rewards: int = Field(alias="n_rewards")


class ShareCampaignPage(PageOut[ShareCampaignConsoleOut]):
    pass


class ShareLandingOut(Schema):
    campaign: ShareCampaignOut
    merchant_name: str
    friend_template_name: str
    is_open: bool
    #: open, closed, own, claimed, claimed_elsewhere, not_new or sold_out, for the caller
    state: str
    sharer_name: str


class ShareLandingQuery(Schema):
    ref: str = Field("", max_length=CODE_LENGTH)


class ShareClaimIn(Schema):
    #: the sharer's share code (`ref` of the link)
    ref: str = Field(min_length=CODE_LENGTH, max_length=CODE_LENGTH)
    #: the tracking visitor key of the friend's device, when the mini-program has one
    device: str | None = Field(None, pattern="^[0-9a-f]{32}$")


class ShareClaimOut(Schema):
    id: int
    campaign_id: int
    claimed_at: datetime
    coupon: CouponOut


class ShareProgressOut(Schema):
    campaign: ShareCampaignOut
    is_open: bool
    claims: int
    converted: int
    rewards: int
    counted: int
    earned: int
    #: friends still needed for the next reward; 0 when every reward was earned
    to_next: int
    share_code: str
    #: the site-relative landing of the caller's link, and of its poster
    share_path: str
    poster_path: str


class ShareCampaignIn(Schema):
    merchant_id: Id | None = None
    name: Name
    friend_template_id: Id
    reward_template_id: Id
    friends_needed: Count
    mode: ModeIn = "claims"
    max_rewards: Count = 1
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class ShareCampaignPatch(Schema):
    name: Name | None = None
    friend_template_id: Id | None = None
    reward_template_id: Id | None = None
    friends_needed: Count | None = None
    mode: ModeIn | None = None
    max_rewards: Count | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def _progress(standing: ShareStanding, user: User) -> dict[str, Any]:
    campaign = standing.campaign
    return {
        "campaign": campaign, "is_open": standing.is_open, "claims": standing.claims,
        "converted": standing.converted, "rewards": standing.rewards, "counted": standing.counted,
        "earned": standing.earned, "to_next": standing.to_next, "share_code": share_code_for(user_id=user.pk),
        "share_path": reads.share_path(campaign=campaign, sharer_id=user.pk),
        "poster_path": reverse("campaigns:share_poster", args=[campaign.pk]),
    }


def _counted(actor: User, campaign_id: int) -> ShareCampaign:
    campaign = reads.share_campaign_get(actor=actor, campaign_id=campaign_id)
    return reads.share_campaign_list(actor=actor, merchant_id=campaign.merchant_id).get(pk=campaign.pk)


# --- friends and sharers ----------------------------------------------------------------------------------


@router.get("/{int:campaign_id}", response=ShareLandingOut)
def share_landing(request: HttpRequest, campaign_id: int, query: Query[ShareLandingQuery]) -> dict[str, Any]:
    """What a friend sees on a sharer's link; with a login, whether the caller may claim."""
    campaign = reads.public_campaign(campaign_id=campaign_id)
    sharer_id = share_code_user_id(query.ref) if query.ref else None
    sharer = User.objects.filter(pk=sharer_id, is_active=True, role=Role.CONSUMER).first() if sharer_id else None
    viewer = _optional_user(request)
    viewer = viewer if viewer is not None and viewer.role == Role.CONSUMER else None
    state = reads.landing_state(campaign=campaign, viewer=viewer, sharer_id=sharer.pk if sharer else None)
    return {
        "campaign": campaign, "merchant_name": campaign.merchant.name,
        "friend_template_name": campaign.friend_template.name,
        "is_open": sharing.campaign_open(campaign, clock.now()), "state": state,
        "sharer_name": reads.sharer_name(sharer) if sharer else "",
    }


@router.post("/{int:campaign_id}/claim", response={201: ShareClaimOut}, auth=api_auth)
def share_claim(request: ApiRequest, campaign_id: int, payload: ShareClaimIn) -> Status[dict[str, Any]]:
    """Claim the friend coupon through the sharer's code; a repeat returns the same claim."""
    sharer_id = share_code_user_id(payload.ref)
    if sharer_id is None:
        raise NotFound("No such sharer.")
    claim = sharing.share_claim(friend=request.auth, campaign_id=campaign_id, sharer_id=sharer_id,
                                device_key=payload.device or "")
    coupon = Coupon.objects.select_related("template", "merchant").get(pk=claim.coupon_id)
    return Status(201, {"id": claim.pk, "campaign_id": claim.campaign_id, "claimed_at": claim.claimed_at,
                        "coupon": coupon})


@router.get("/me", response=list[ShareProgressOut], auth=api_auth)
def my_shares(request: ApiRequest) -> list[dict[str, Any]]:
    """The caller's share campaigns: progress, rewards and their own share link."""
    user = consumer(request.auth)
    return [_progress(s, user) for s in reads.my_shares(user=user)]


@router.get("/me/{int:campaign_id}", response=ShareProgressOut, auth=api_auth)
def my_share(request: ApiRequest, campaign_id: int) -> dict[str, Any]:
    user = consumer(request.auth)
    return _progress(reads.my_share(user=user, campaign_id=campaign_id), user)


# --- merchant owners -------------------------------------------------------------------------------------


@router.get("/merchant/campaigns", response=ShareCampaignPage, auth=api_auth)
def share_campaign_list(request: ApiRequest, query: Query[CampaignConsoleQuery]) -> Page[ShareCampaign]:
    rows = reads.share_campaign_list(actor=request.auth, merchant_id=query.merchant_id, status=query.status)
    return paginate(rows, page=query.page, page_size=query.page_size)


@router.post("/merchant/campaigns", response={201: ShareCampaignConsoleOut}, auth=api_auth)
def share_campaign_create(request: ApiRequest, payload: ShareCampaignIn) -> Status[ShareCampaign]:
    merchant = _merchant(request.auth, payload.merchant_id)
    campaign = sharing.share_campaign_create(actor=request.auth, merchant=merchant,
                                             **payload.dict(exclude={"merchant_id"}))
    return Status(201, _counted(request.auth, campaign.pk))


@router.get("/merchant/campaigns/{int:campaign_id}", response=ShareCampaignConsoleOut, auth=api_auth)
def share_campaign_get(request: ApiRequest, campaign_id: int) -> ShareCampaign:
    return _counted(request.auth, campaign_id)


@router.patch("/merchant/campaigns/{int:campaign_id}", response=ShareCampaignConsoleOut, auth=api_auth)
def share_campaign_update(request: ApiRequest, campaign_id: int, payload: ShareCampaignPatch) -> ShareCampaign:
    sharing.share_campaign_update(actor=request.auth, campaign_id=campaign_id, **payload.dict(exclude_unset=True))
    return _counted(request.auth, campaign_id)


@router.post("/merchant/campaigns/{int:campaign_id}/status", response=ShareCampaignConsoleOut, auth=api_auth)
def share_campaign_set_status(request: ApiRequest, campaign_id: int, payload: CampaignStatusIn) -> ShareCampaign:
    sharing.share_campaign_set_status(actor=request.auth, campaign_id=campaign_id, status=payload.status)
    return _counted(request.auth, campaign_id)

