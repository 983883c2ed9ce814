"""Reads of invite campaigns: an inviter's progress, and the merchant console's list with counts."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from linkmall.accounts.models import User
from linkmall.campaigns.models import CampaignStatus, InviteCampaign, InviteCredit, InvitePrize, InviteTier
from linkmall.campaigns.services._common import require_console, require_merchant_owner
from linkmall.core.errors import NotFound


def mask_name(text: str) -> str:
    """"张小花" → "张**", "13800001234" → "138****1234": enough for the inviter to recognise a friend."""
    text = text.strip()
    if not text:
        return "***"
    if text.isdigit() and len(text) >= 7:
        return f"{text[:3]}****{text[-4:]}"
    return text[0] + "*" * max(1, len(text) - 1)


@dataclass
class TierProgress:
    tier: InviteTier
    reached: bool
    is_next: bool
    prize: InvitePrize | None

    @property
    def name(self) -> str:
        return tier_prize_name(self.tier)


@dataclass
class CampaignProgress:
    campaign: InviteCampaign
    counted: int
    tiers: list[TierProgress]
    #: the next tier not reached, and how many more invitees it needs; None when all are reached
    next_tier: InviteTier | None
    remaining: int
    invitees: list[tuple[str, str]] = field(default_factory=list)  # (masked name, credit status)

    @property
    def next_prize(self) -> str:
        return tier_prize_name(self.next_tier) if self.next_tier is not None else ""


def tier_prize_name(tier: InviteTier) -> str:
    """What a tier gives: the gift's product name or the coupon's name."""
    if tier.gift_listing is not None:
        return tier.gift_listing.product.name
    return tier.coupon_template.name if tier.coupon_template is not None else ""


def invite_progress(*, user: User, merchant_id: int | None = None) -> list[CampaignProgress]:
    """The user's progress in every active or paused campaign, and in ended ones they took part
    in; newest first."""
    campaigns = (InviteCampaign.objects.filter(Q(status__in=[CampaignStatus.ACTIVE, CampaignStatus.PAUSED])
                                               | Q(status=CampaignStatus.ENDED, credits__inviter=user))
                 .select_related("merchant").distinct().order_by("-pk"))
    if merchant_id is not None:
        campaigns = campaigns.filter(merchant_id=merchant_id)
    rows = list(campaigns[:50])
    ids = [c.pk for c in rows]
    tiers: dict[int, list[InviteTier]] = {}
    for tier in (InviteTier.objects.filter(campaign_id__in=ids)
                 .select_related("coupon_template", "gift_listing__product").order_by("invitees")):
        tiers.setdefault(tier.campaign_id, []).append(tier)
    credits: dict[int, list[InviteCredit]] = {}
    for credit in (InviteCredit.objects.filter(campaign_id__in=ids, inviter=user).select_related("invitee")
                   .order_by("credited_at", "pk")):
        credits.setdefault(credit.campaign_id, []).append(credit)
    prizes = {p.tier_id: p for p in InvitePrize.objects.filter(campaign_id__in=ids, inviter=user)}
    out = []
    for campaign in rows:
        mine = credits.get(campaign.pk, [])
        counted = sum(1 for c in mine if c.status == InviteCredit.Status.COUNTED)
        next_tier = next((t for t in tiers.get(campaign.pk, []) if t.invitees > counted and t.pk not in prizes),
                         None)
        out.append(CampaignProgress(
            campaign=campaign, counted=counted,
            tiers=[TierProgress(tier=t, reached=t.pk in prizes or t.invitees <= counted,
                                is_next=next_tier is not None and t.pk == next_tier.pk, prize=prizes.get(t.pk))
                   for t in tiers.get(campaign.pk, [])],
            next_tier=next_tier, remaining=(next_tier.invitees - counted) if next_tier else 0,
            invitees=[(mask_name(c.invitee.display_name or c.invitee.phone or ""), c.status) for c in mine],
        ))
    return out


def invite_campaign_list(*, actor: User) -> QuerySet[InviteCampaign]:
    """The actor's merchant's campaigns (platform staff: all), newest first, with their counts:
    `credits_counted`, `credits_refunded`, `inviters`, `prizes_awarded`."""
    require_console(actor)
    rows = InviteCampaign.objects.all() if actor.tenant_id is None else InviteCampaign.objects.filter(
        merchant_id=actor.tenant_id)
    return (rows.annotate(
        credits_counted=Count("credits", filter=Q(credits__status=InviteCredit.Status.COUNTED), distinct=True),
        credits_refunded=Count("credits", filter=Q(credits__status=InviteCredit.Status.REFUNDED), distinct=True),
        inviters=Count("credits__inviter", distinct=True),
        prizes_awarded=Count("prizes", distinct=True),
    ).order_by("-pk"))


def invite_campaign_get(*, actor: User, campaign_id: int) -> InviteCampaign:
    campaign = InviteCampaign.objects.select_related("merchant").filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound("No such invite campaign.")
    require_merchant_owner(actor, campaign.merchant_id, what="invite campaign")
    return campaign


@dataclass(frozen=True)
class InviteCampaignCounts:
    counted: int
    refunded: int
    inviters: int
    prizes: int


def invite_counts_of(campaign: InviteCampaign) -> InviteCampaignCounts:
    """The counts `invite_campaign_list` annotated on one of its rows, typed."""
    row: Any = campaign
    return InviteCampaignCounts(counted=row.credits_counted, refunded=row.credits_refunded, inviters=row.inviters,
                                prizes=row.prizes_awarded)
