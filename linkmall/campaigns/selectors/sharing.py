"""Share-to-get reads: a campaign's landing for a friend, the sharer's link and progress (我的分享), and
the merchant console's list with counts. Keyword-only, like every selector."""

from dataclasses import dataclass
from typing import Literal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from linkmall.accounts.models import User
from linkmall.accounts.services.users import phone_mask
from linkmall.accounts.sharecodes import share_code_for
from linkmall.campaigns.models import CampaignStatus, ShareCampaign, ShareClaim, ShareMode, ShareProgress
from linkmall.campaigns.services._common import require_console, require_merchant_owner
from linkmall.campaigns.services.coupons import is_new_customer
from linkmall.campaigns.services.sharing import campaign_open
from linkmall.core import clock
from linkmall.core.errors import NotFound
from linkmall.stores.selectors.merchant import merchant_id_of

#: the channels a share link says it came through (the referral middleware's `via`)
SHARE_CHANNELS = ("link", "qr", "poster", "card")
MY_SHARES_LIMIT = 50


def public_campaign(*, campaign_id: int, merchant_id: int | None = None) -> ShareCampaign:
    """A campaign a friend may look at: any status but draft; another merchant's is not found."""
    rows = ShareCampaign.objects.select_related("merchant", "friend_template", "reward_template").exclude(
        status=CampaignStatus.DRAFT)
    if merchant_id is not None:
        rows = rows.filter(merchant_id=merchant_id)
    campaign = rows.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound("No such share campaign.")
    return campaign


def running_campaign(*, merchant_id: int) -> ShareCampaign | None:
    """The merchant's newest share campaign friends may claim now, if any."""
    now = clock.now()
    return (ShareCampaign.objects.filter(merchant_id=merchant_id, status=CampaignStatus.ACTIVE, starts_at__lte=now)
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            .select_related("friend_template", "reward_template").order_by("-pk").first())


def share_path(*, campaign: ShareCampaign, sharer_id: int, via: str = "link") -> str:
    """The site-relative landing of a sharer's link: `?ref=` lets the referral middleware remember the
    sharer (first touch) and `via` says whether it was the link, the QR code or the poster."""
    path = reverse("campaigns:share_landing", args=[campaign.merchant_id, campaign.pk])
    channel = via if via in SHARE_CHANNELS else "link"
    return f"{path}?ref={share_code_for(user_id=sharer_id)}&via={channel}"


def sharer_name(user: User) -> str:
    """How a sharer is shown to friends: the display name, else the phone with its middle hidden."""
    if user.display_name:
        return user.display_name
    phone = user.phone or ""
    return phone_mask(phone) if len(phone) >= 7 else f"#{user.pk}"


LandingState = Literal["open", "closed", "own", "claimed", "claimed_elsewhere", "not_new", "sold_out"]


def landing_state(*, campaign: ShareCampaign, viewer: User | None, sharer_id: int | None) -> LandingState:
    """What the landing offers the viewer: claim, or why not (the claim service has the last word)."""
    if viewer is not None:
        claim = ShareClaim.objects.filter(campaign=campaign, friend=viewer).values_list("sharer_id", flat=True).first()
        if claim is not None:
            return "claimed" if claim == sharer_id else "claimed_elsewhere"
        if viewer.pk == sharer_id:
            return "own"
    if not campaign_open(campaign, clock.now()):
        return "closed"
    if viewer is not None and not is_new_customer(user=viewer, merchant_id=campaign.merchant_id):
        return "not_new"
    template = campaign.friend_template
    if template.status != CampaignStatus.ACTIVE or template.issued >= template.total:
        return "sold_out"
    return "open"


@dataclass(frozen=True)
class ShareStanding:
    """One campaign as its sharer sees it."""

    campaign: ShareCampaign
    claims: int
    converted: int
    rewards: int
    #: friends who count for the reward (claims or settled first orders, by the mode)
    counted: int
    #: rewards earned by the count (more than `rewards` while one is owed)
    earned: int
    #: friends still needed for the next reward; 0 when every reward was earned
    to_next: int
    is_open: bool


def standing_of(campaign: ShareCampaign, progress: ShareProgress | None) -> ShareStanding:
    claims = progress.claims if progress else 0
    converted = progress.converted if progress else 0
    counted = claims if campaign.mode == ShareMode.CLAIMS else converted
    earned = min(counted // campaign.friends_needed, campaign.max_rewards)
    to_next = 0 if earned >= campaign.max_rewards else campaign.friends_needed - counted % campaign.friends_needed
    return ShareStanding(campaign=campaign, claims=claims, converted=converted,
                         rewards=progress.rewards if progress else 0, counted=counted, earned=earned,
                         to_next=to_next, is_open=campaign_open(campaign, clock.now()))


def my_shares(*, user: User, merchant_id: int | None = None) -> list[ShareStanding]:
    """The user's share campaigns: those they have progress in, then the ones running now that they
    could share, newest first. Two queries."""
    now = clock.now()
    progress = {p.campaign_id: p for p in ShareProgress.objects.filter(user_filter(user, merchant_id))}
    running = (Q(status=CampaignStatus.ACTIVE, starts_at__lte=now)
               & (Q(ends_at__isnull=True) | Q(ends_at__gt=now)))
    rows = (ShareCampaign.objects.filter(running | Q(pk__in=list(progress)))
            .select_related("merchant", "friend_template", "reward_template").order_by("-pk"))
    if merchant_id is not None:
        rows = rows.filter(merchant_id=merchant_id)
    return [standing_of(c, progress.get(c.pk)) for c in rows[:MY_SHARES_LIMIT]]


def user_filter(user: User, merchant_id: int | None) -> Q:
    q = Q(sharer=user)
    return q & Q(campaign__merchant_id=merchant_id) if merchant_id is not None else q


def my_share(*, user: User, campaign_id: int) -> ShareStanding:
    campaign = public_campaign(campaign_id=campaign_id)
    return standing_of(campaign, ShareProgress.objects.filter(campaign=campaign, sharer=user).first())


# --- the merchant console -----------------------------------------------------------------------------


def share_campaign_list(*, actor: User, merchant_id: int | None = None,
                        status: str | None = None) -> QuerySet[ShareCampaign]:
    """The merchant's share campaigns with their counts: `n_claims`, `n_converted`, `n_rewards`, `n_sharers`."""
    rows = ShareCampaign.objects.filter(merchant_id=merchant_id_of(actor=actor, merchant_id=merchant_id))
    if status:
        rows = rows.filter(status=status)
    return (rows.select_related("friend_template", "reward_template")
            .annotate(n_claims=Coalesce(Sum("progress__claims"), 0),
                      n_converted=Coalesce(Sum("progress__converted"), 0),
                      n_rewards=Coalesce(Sum("progress__rewards"), 0),
                      n_sharers=Count("progress", filter=Q(progress__claims__gt=0)))
            .order_by("-pk"))


@dataclass(frozen=True)
class ShareCounts:
    sharers: int
    claims: int
    converted: int
    rewards: int


def counts_of(campaign: ShareCampaign) -> ShareCounts:
    """The counts `share_campaign_list` annotated on a campaign."""
    return ShareCounts(sharers=getattr(campaign, "n_sharers", 0), claims=getattr(campaign, "n_claims", 0),
                       converted=getattr(campaign, "n_converted", 0), rewards=getattr(campaign, "n_rewards", 0))


def share_campaign_get(*, actor: User, campaign_id: int) -> ShareCampaign:
    require_console(actor)
    campaign = ShareCampaign.objects.filter(pk=campaign_id).select_related("friend_template", "reward_template").first()
    if campaign is None:
        raise NotFound("No such share campaign.")
    require_merchant_owner(actor, campaign.merchant_id, what="share campaign")
    return campaign
