"""Invite campaigns (阶梯邀请): "invite 3 → a small gift, 5 → a lipstick, 10 → a skincare set".

An invitee counts for their inviter (first-touch referrer) once their first order at the merchant
has settled with something left of it; one credit per (campaign, invitee). A tier is awarded once
per (campaign, inviter, tier). Imported by `linkmall.campaigns.models`, so the app label is
`campaigns`.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linkmall.accounts.models import User
from linkmall.campaigns.models import CampaignStatus, CouponTemplate, Funder
from linkmall.core import clock
from linkmall.stores.models import Listing, Merchant


class InviteCounts(models.TextChoices):
    """Which first order of an invitee counts."""

    FIRST_ORDER = "first_order", _("首单即计")
    PRODUCTS = "products", _("首单含指定商品")


class InviteCampaign(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="invite_campaigns")
    name = models.CharField(max_length=60)
    counts = models.CharField(max_length=12, choices=InviteCounts.choices, default=InviteCounts.FIRST_ORDER)
    #: with `counts: products`, the product ids (the merchant's listings) a first order must contain
    product_ids = models.JSONField(default=list, blank=True)
    #: a first order counts when it was placed in [starts_at, ends_at)
    starts_at = models.DateTimeField(default=clock.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    #: the compliance review's risks when it was last activated, [{"code", "severity", ...}]
    compliance = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["merchant", "status"], name="invite_campaign_merchant")]
        constraints = [
            models.CheckConstraint(name="invite_campaign_status_valid",
                                   condition=Q(status__in=CampaignStatus.values)),
            models.CheckConstraint(name="invite_campaign_counts_valid", condition=Q(counts__in=InviteCounts.values)),
            models.CheckConstraint(name="invite_campaign_ends_after_start",
                                   condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at"))),
        ]

    def __str__(self) -> str:
        return self.name


class InvitePrizeKind(models.TextChoices):
    COUPON = "coupon", _("优惠券")
    GIFT = "gift", _("赠品")


class InviteTier(models.Model):
    """Reach `invitees` credited invitees → the prize: a coupon of a template, or a gift (one unit
    of a listing of the merchant, shipped at P = 0, its cost C paid by `funder`)."""

    campaign = models.ForeignKey(InviteCampaign, on_delete=models.CASCADE, related_name="tiers")
    invitees = models.PositiveIntegerField()
    prize_kind = models.CharField(max_length=8, choices=InvitePrizeKind.choices)
    coupon_template = models.ForeignKey(CouponTemplate, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    gift_listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    funder = models.CharField(max_length=10, choices=Funder.choices, default=Funder.MERCHANT)

    class Meta:
        ordering = ["invitees"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "invitees"], name="invite_tier_unique_count"),
            models.CheckConstraint(name="invite_tier_invitees_positive", condition=Q(invitees__gt=0)),
            models.CheckConstraint(name="invite_tier_funder_valid", condition=Q(funder__in=Funder.values)),
            models.CheckConstraint(
                name="invite_tier_one_prize",
                condition=(Q(prize_kind="coupon", coupon_template__isnull=False, gift_listing__isnull=True)
                           | Q(prize_kind="gift", coupon_template__isnull=True, gift_listing__isnull=False)),
            ),
        ]


class InviteCredit(models.Model):
    """One invitee counted for an inviter. A full refund of the counted order marks it `refunded`:
    it no longer counts toward a tier not yet reached, and prizes already awarded stay."""

    class Status(models.TextChoices):
        COUNTED = "counted", _("已计入")
        REFUNDED = "refunded", _("已退款")

    campaign = models.ForeignKey(InviteCampaign, on_delete=models.PROTECT, related_name="credits")
    inviter = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    invitee = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    #: the counted order, "order:<id>" (the campaigns app does not read orders)
    order_ref = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COUNTED)
    credited_at = models.DateTimeField(default=clock.now)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["campaign", "inviter", "status"], name="invite_credit_inviter"),
                   models.Index(fields=["order_ref"], name="invite_credit_order")]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "invitee"], name="invite_credit_once_per_invitee"),
            models.CheckConstraint(name="invite_credit_not_self", condition=~Q(inviter=models.F("invitee"))),
            models.CheckConstraint(name="invite_credit_status_valid", condition=Q(status__in=["counted", "refunded"])),
        ]


class InvitePrize(models.Model):
    """A tier reached by an inviter, once. A coupon is issued at once; a gift becomes a 0-price
    order (`pending` until it is placed, `to_claim` while the inviter has no address)."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("已发放")
        PENDING = "pending", _("待下单")
        TO_CLAIM = "to_claim", _("待领取")
        ORDERED = "ordered", _("已下单")
        FAILED = "failed", _("发放失败")

    campaign = models.ForeignKey(InviteCampaign, on_delete=models.PROTECT, related_name="prizes")
    inviter = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    tier = models.ForeignKey(InviteTier, on_delete=models.PROTECT, related_name="prizes")
    status = models.CharField(max_length=10, choices=Status.choices)
    coupon = models.ForeignKey("campaigns.Coupon", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    #: the gift's order, "order:<id>"
    order_ref = models.CharField(max_length=40, blank=True)
    #: why a coupon could not be issued (an error code), for the merchant to see and retry
    failure = models.CharField(max_length=40, blank=True)
    awarded_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["inviter", "campaign"], name="invite_prize_inviter")]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "inviter", "tier"], name="invite_prize_once_per_tier"),
            models.CheckConstraint(name="invite_prize_status_valid",
                                   condition=Q(status__in=["issued", "pending", "to_claim", "ordered", "failed"])),
        ]
