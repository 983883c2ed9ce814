"""Store promotions (满减 / 满折 / 新客立减), coupon templates and the coupons in buyers' wallets, and points.

The money rules are in docs/specs/campaigns.md; `pricing.py` prices an order from the `Offer`s that
`offers.py` builds from these rows. Counters and balances change only through guarded UPDATEs
(`CouponTemplate.issued`, `PointsAccount.balance`); the database refuses values that break them.
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from linkmall.accounts.models import User
from linkmall.core import clock
from linkmall.stores.models import Listing, Merchant, Store


class Kind(models.TextChoices):
    AMOUNT = "amount", _("立减")
    PERCENT = "percent", _("折扣")


class ScopeKind(models.TextChoices):
    ALL = "all", _("全店商品")
    CATEGORIES = "categories", _("指定类目")
    PRODUCTS = "products", _("指定商品")


class Funder(models.TextChoices):
    MERCHANT = "merchant", _("商家")
    PLATFORM = "platform", _("平台")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("进行中")
    PAUSED = "paused", _("已暂停")
    ENDED = "ended", _("已结束")


def _in(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


def _offer_constraints(prefix: str) -> list[models.BaseConstraint]:
    """The checks a promotion and a coupon template share: sane discount terms."""
    return [
        models.CheckConstraint(name=f"{prefix}_kind_valid", condition=_in("kind", Kind)),
        models.CheckConstraint(name=f"{prefix}_value_positive", condition=Q(value__gt=0)),
        models.CheckConstraint(name=f"{prefix}_percent_below_100", condition=Q(kind="amount") | Q(value__lt=100)),
        models.CheckConstraint(name=f"{prefix}_amount_whole_fen", condition=Q(kind="percent") | Q(value=Round("value"))),
        models.CheckConstraint(name=f"{prefix}_threshold_not_negative", condition=Q(threshold_fen__gte=0)),
        models.CheckConstraint(
            name=f"{prefix}_max_discount_of_percent",
            condition=Q(max_discount_fen__isnull=True) | Q(kind="percent", max_discount_fen__gt=0),
        ),
        models.CheckConstraint(name=f"{prefix}_scope_valid", condition=_in("scope_kind", ScopeKind)),
        models.CheckConstraint(name=f"{prefix}_funder_valid", condition=_in("funder", Funder)),
        models.CheckConstraint(name=f"{prefix}_status_valid", condition=_in("status", CampaignStatus)),
    ]


class OfferTerms(models.Model):
    """What a promotion and a coupon template take off, on which lines, and who pays for it."""

    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    #: amount: fen off (a whole number); percent: percent off, e.g. 10 for 9折
    value = models.DecimalField(max_digits=14, decimal_places=2)
    threshold_fen = models.BigIntegerField(default=0)
    #: percent only: the most it takes off an order
    max_discount_fen = models.BigIntegerField(null=True, blank=True)
    scope_kind = models.CharField(max_length=12, choices=ScopeKind.choices, default=ScopeKind.ALL)
    #: category ids (a category covers its sub-categories) or product ids, by `scope_kind`
    scope_ids = models.JSONField(default=list, blank=True)
    stacks_with_activity = models.BooleanField(default=False)
    funder = models.CharField(max_length=10, choices=Funder.choices, default=Funder.MERCHANT)
    status = models.CharField(max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        abstract = True

    @property
    def offer_value(self) -> Decimal | int:
        """`value` as pricing takes it: whole fen for an amount, a Decimal percent for a percent."""
        return int(self.value) if self.kind == Kind.AMOUNT else self.value


class Promotion(OfferTerms):
    """A merchant's store-wide promotion: 满减 (amount), 满折 (percent), 新客立减 (new customers only).
    An order takes at most one, the one that saves most (spec §1 step 4)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="campaign_promotions")
    #: 满 N 件: the eligible lines' units must reach this
    threshold_quantity = models.PositiveIntegerField(default=0)
    #: only for a buyer without an earlier paid order at the merchant
    new_customers_only = models.BooleanField(default=False)
    starts_at = models.DateTimeField(default=clock.now)
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["merchant", "status"], name="campaign_promotion_merchant")]
        constraints = [
            *_offer_constraints("promotion"),
            models.CheckConstraint(name="promotion_quantity_not_negative", condition=Q(threshold_quantity__gte=0)),
            models.CheckConstraint(name="promotion_ends_after_start",
                                   condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at"))),
        ]

    def __str__(self) -> str:
        return self.name


class CouponSource(models.TextChoices):
    """The ways a coupon reaches a wallet."""

    CLAIM = "claim", _("领券中心")
    NEW_CUSTOMER = "new_customer", _("新客礼")
    GUIDE = "guide", _("导购发券")
    LAYER = "layer", _("客户分层营销")
    INVITE = "invite", _("邀请有礼")
    SHARE = "share", _("分享得券")


#: a geofenced coupon's radius in metres: at least a street corner, at most a city district
GEOFENCE_MIN_M = 100
GEOFENCE_MAX_M = 50_000


class CouponTemplate(OfferTerms):
    """What a merchant gives out: `total` coupons at most, `per_user_limit` per buyer. A coupon is
    valid in a fixed window (`valid_from`–`valid_until`) or for `valid_days` after it is claimed.
    Its terms are fixed once it leaves draft, since coupons in wallets read them."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="coupon_templates")
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    valid_days = models.PositiveIntegerField(null=True, blank=True)
    #: when it may be claimed or issued; open on both sides when empty
    claim_starts_at = models.DateTimeField(null=True, blank=True)
    claim_ends_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField()
    issued = models.PositiveIntegerField(default=0)
    per_user_limit = models.PositiveIntegerField(default=1)
    #: CouponSource values: the ways it may be given out
    sources = models.JSONField(default=list)
    #: 到店核销券: claimed online, used only in a store of the merchant (a guide or the owner redeems
    #: its `Coupon.code`), never at online checkout (docs/o2o.md)
    in_store = models.BooleanField(default=False)
    #: 地理围栏券: only a visitor within `geofence_radius_m` metres of this store (of the same merchant)
    #: may claim it, with their location (docs/o2o.md "Geofenced offers"); both empty otherwise
    geofence_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="geofenced_coupon_templates")
    geofence_radius_m = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["merchant", "status"], name="coupon_template_merchant")]
        constraints = [
            *_offer_constraints("coupon_template"),
            models.CheckConstraint(name="coupon_template_total_positive", condition=Q(total__gt=0)),
            models.CheckConstraint(name="coupon_template_issued_within_total",
                                   condition=Q(issued__gte=0) & Q(issued__lte=F("total"))),
            models.CheckConstraint(name="coupon_template_per_user_positive", condition=Q(per_user_limit__gt=0)),
            models.CheckConstraint(
                name="coupon_template_one_validity",
                condition=(Q(valid_days__isnull=True, valid_from__isnull=False, valid_until__gt=F("valid_from"))
                           | Q(valid_days__gt=0, valid_from__isnull=True, valid_until__isnull=True)),
            ),
            models.CheckConstraint(
                name="coupon_template_claim_window",
                condition=(Q(claim_starts_at__isnull=True) | Q(claim_ends_at__isnull=True)
                           | Q(claim_ends_at__gt=F("claim_starts_at"))),
            ),
            models.CheckConstraint(
                name="coupon_template_geofence_pair",
                condition=(Q(geofence_store__isnull=True, geofence_radius_m__isnull=True)
                           | Q(geofence_store__isnull=False, geofence_radius_m__gte=GEOFENCE_MIN_M,
                               geofence_radius_m__lte=GEOFENCE_MAX_M)),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def remaining(self) -> int:
        return self.total - self.issued


class Coupon(models.Model):
    """A coupon in a buyer's wallet. `slot` is the n-th coupon of its template for this buyer, unique,
    so the per-user limit holds under any race; `key` makes issuing idempotent."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("可使用")
        USED = "used", _("已使用")
        EXPIRED = "expired", _("已过期")

    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="coupons")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="coupons")
    # denormalised from the template, for the wallet and checkout queries
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="coupons")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    source = models.CharField(max_length=16, choices=CouponSource.choices, default=CouponSource.CLAIM)
    slot = models.PositiveIntegerField()
    key = models.CharField(max_length=100)
    claimed_at = models.DateTimeField(default=clock.now)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    #: an in-store coupon's redemption code (8 digits from `secrets`), unique among available
    #: coupons; blank for every other coupon
    code = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["user", "merchant", "status"], name="coupon_wallet"),
            models.Index(fields=["status", "valid_until"], name="coupon_expiry"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="coupon_key_unique_per_template"),
            models.UniqueConstraint(fields=["template", "user", "slot"], name="coupon_slot_unique_per_user"),
            models.UniqueConstraint(fields=["code"], condition=Q(status="available") & ~Q(code__exact=""),
                                    name="coupon_code_unique_available"),
            models.CheckConstraint(name="coupon_status_valid", condition=Q(status__in=["available", "used", "expired"])),
            models.CheckConstraint(name="coupon_slot_positive", condition=Q(slot__gt=0)),
            models.CheckConstraint(name="coupon_valid_window", condition=Q(valid_until__gt=F("valid_from"))),
            models.CheckConstraint(
                name="coupon_used_at_when_used",
                condition=Q(status="used", used_at__isnull=False) | (~Q(status="used") & Q(used_at__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_id}/{self.pk}"


class PointsAccount(models.Model):
    """A buyer's points at one merchant. 100 points = 1.00 at checkout (spec §1 step 6)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="points_accounts")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="points_accounts")
    balance = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)
    #: loyalty: every lot whose `expires_at` is at or before this has been expired (`points_expire`)
    expired_through = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "merchant"], name="points_account_unique"),
            models.CheckConstraint(name="points_balance_not_negative", condition=Q(balance__gte=0)),
        ]


#: every kind of points change (loyalty added earn, signin, takeback and expire in 0002_loyalty)
POINTS_KINDS = ["grant", "spend", "return", "earn", "signin", "takeback", "expire"]


class PointsEntry(models.Model):
    """One change of a points balance; append-only. `key` makes every change idempotent."""

    class Reason(models.TextChoices):
        GRANT = "grant", _("获得积分")
        SPEND = "spend", _("积分抵扣")
        RETURN = "return", _("积分退回")
        EARN = "earn", _("购物得积分")
        SIGNIN = "signin", _("签到奖励")
        TAKEBACK = "takeback", _("退款扣回")
        EXPIRE = "expire", _("积分过期")

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries")
    delta = models.BigIntegerField()
    kind = models.CharField(max_length=8, choices=Reason.choices)
    #: what a person reads, e.g. 下单奖励 or the order number
    reason = models.CharField(max_length=100, blank=True)
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at"], name="points_entry_history"),
                   models.Index(fields=["expires_at"], name="points_entry_expiry",
                                condition=Q(expires_at__isnull=False))]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="points_entry_key_unique"),
            models.CheckConstraint(name="points_entry_delta_not_zero", condition=~Q(delta=0)),
            models.CheckConstraint(name="points_entry_kind_valid", condition=Q(kind__in=POINTS_KINDS)),
        ]


# --- layer offers (客户分层营销): what each layer action gives, what was delivered, guides' coupons ------


class LayerOfferSettings(models.Model):
    """Which coupon template each layer action of a merchant gives (customers.Outreach kinds): core
    customers' birthday and exclusive coupons, potential customers' first-purchase coupon. An empty
    one gives nothing; the delivery then records `no_template`."""

    merchant = models.OneToOneField(Merchant, primary_key=True, on_delete=models.CASCADE,
                                    related_name="layer_offer_settings")
    birthday_template = models.ForeignKey(CouponTemplate, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    exclusive_template = models.ForeignKey(CouponTemplate, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+")
    first_purchase_template = models.ForeignKey(CouponTemplate, null=True, blank=True, on_delete=models.PROTECT,
                                                related_name="+")
    updated_at = models.DateTimeField(default=clock.now)


class LayerOfferDelivery(models.Model):
    """What one layer action (a customers.Outreach) delivered: a coupon, the listing of an early
    access, or why nothing was given. One per outreach, so a delivery run never gives twice."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("已发券")
        NOTIFIED = "notified", _("已通知")
        REFUSED = "refused", _("未发放")

    outreach = models.OneToOneField("customers.Outreach", on_delete=models.CASCADE, related_name="layer_delivery")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    status = models.CharField(max_length=10, choices=Status.choices)
    coupon = models.ForeignKey(Coupon, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    #: early access: the listing the core customer may buy first
    listing = models.ForeignKey("stores.Listing", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: refused: the coupon's refusal code (coupon_sold_out, …) or no_template / no_listing
    reason = models.CharField(max_length=40, blank=True)
    delivered_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["merchant", "-delivered_at"], name="layer_delivery_merchant")]
        constraints = [
            models.CheckConstraint(name="layer_delivery_status_valid",
                                   condition=Q(status__in=["issued", "notified", "refused"])),
            models.CheckConstraint(name="layer_delivery_coupon_when_issued",
                                   condition=Q(status="issued", coupon__isnull=False)
                                   | (~Q(status="issued") & Q(coupon__isnull=True))),
        ]


class GuideCoupon(models.Model):
    """A coupon a guide gave one of their customers (导购发券), from a reminder or the profile."""

    coupon = models.OneToOneField(Coupon, on_delete=models.PROTECT, related_name="guide_grant")
    guide = models.ForeignKey("stores.Guide", on_delete=models.PROTECT, related_name="+")
    profile = models.ForeignKey("customers.Profile", on_delete=models.CASCADE, related_name="+")
    reminder = models.ForeignKey("customers.Reminder", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["guide", "-created_at"], name="guide_coupon_guide")]


# --- share-to-get (分享领券) -----------------------------------------------------------------------


class ShareMode(models.TextChoices):
    """When a friend counts for the sharer's reward."""

    CLAIMS = "claims", _("好友领券即计入")
    ORDERS = "orders", _("好友首单结算后计入")


class ShareCampaign(models.Model):
    """A merchant's share-to-get campaign: a friend who opens a customer's link claims
    `friend_template` once; the sharer earns one `reward_template` coupon for every `friends_needed`
    friends who count (by `mode`), at most `max_rewards` times. Friends claim only while it is active
    and in its window; a friend who claimed earlier still counts when their first order settles."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="share_campaigns")
    name = models.CharField(max_length=60)
    friend_template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="+")
    reward_template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="+")
    friends_needed = models.PositiveIntegerField()
    mode = models.CharField(max_length=8, choices=ShareMode.choices, default=ShareMode.CLAIMS)
    #: rewards one sharer may earn in this campaign
    max_rewards = models.PositiveIntegerField(default=1)
    starts_at = models.DateTimeField(default=clock.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["merchant", "status"], name="share_campaign_merchant")]
        constraints = [
            models.CheckConstraint(name="share_campaign_status_valid", condition=_in("status", CampaignStatus)),
            models.CheckConstraint(name="share_campaign_mode_valid", condition=_in("mode", ShareMode)),
            models.CheckConstraint(name="share_campaign_friends_positive", condition=Q(friends_needed__gt=0)),
            models.CheckConstraint(name="share_campaign_rewards_positive", condition=Q(max_rewards__gt=0)),
            models.CheckConstraint(name="share_campaign_ends_after_start",
                                   condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at"))),
        ]

    def __str__(self) -> str:
        return self.name


class ShareProgress(models.Model):
    """One sharer's counts in one campaign. Every change locks this row first (friends claiming or
    converting at once), so the reward is issued exactly when the count reaches a multiple of N."""

    campaign = models.ForeignKey(ShareCampaign, on_delete=models.PROTECT, related_name="progress")
    sharer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="share_progress")
    claims = models.PositiveIntegerField(default=0)
    converted = models.PositiveIntegerField(default=0)
    #: rewards issued to the sharer's wallet
    rewards = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["sharer", "-updated_at"], name="share_progress_sharer")]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "sharer"], name="share_progress_unique"),
            models.CheckConstraint(name="share_progress_converted_within_claims",
                                   condition=Q(converted__lte=F("claims"))),
        ]


class ShareClaim(models.Model):
    """A friend who claimed the friend coupon through a sharer's link: one per friend, per phone
    and per device (the tracking cookie's visitor key) in a campaign. `converted_at` is set when the
    friend's first order at the merchant settled without being refunded in full."""

    campaign = models.ForeignKey(ShareCampaign, on_delete=models.PROTECT, related_name="claims")
    sharer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="share_claims_made")
    friend = models.ForeignKey(User, on_delete=models.PROTECT, related_name="share_claims")
    coupon = models.OneToOneField(Coupon, on_delete=models.PROTECT, related_name="share_claim")
    device_key = models.CharField(max_length=32, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    claimed_at = models.DateTimeField(default=clock.now)
    converted_at = models.DateTimeField(null=True, blank=True)
    #: the number of the order that converted it
    converted_order = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sharer", "campaign"], name="share_claim_sharer"),
                   models.Index(fields=["friend", "converted_at"], name="share_claim_friend")]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "friend"], name="share_claim_one_per_friend"),
            models.UniqueConstraint(fields=["campaign", "device_key"], condition=~Q(device_key=""),
                                    name="share_claim_one_per_device"),
            models.UniqueConstraint(fields=["campaign", "phone"], condition=~Q(phone=""),
                                    name="share_claim_one_per_phone"),
            models.CheckConstraint(name="share_claim_not_self", condition=~Q(friend=F("sharer"))),
        ]


# invite tiers (阶梯邀请) keep their models in their own module; imported here so Django finds them
# --- invite tiers (阶梯邀请) ------------------------------------------------------------------------
# Invite campaigns (阶梯邀请): "invite 3 → a small gift, 5 → a lipstick, 10 → a skincare set".
#
# An invitee counts for their inviter (first-touch referrer) once their first order at the merchant
# has settled with something left of it; one credit per (campaign, invitee). A tier is awarded once
# per (campaign, inviter, tier).


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

# --- loyalty: points earned on settled orders, member levels from growth, daily sign-in -----------------
# (migration 0002_loyalty; the rules are in docs/specs/campaigns.md "Points, member levels and sign-in")


def default_signin_bonuses() -> dict[str, int]:
    """Day 3 of a streak +10, day 7 +30 (then the cycle starts again)."""
    return {"3": 10, "7": 30}


class LoyaltySettings(models.Model):
    """A merchant's loyalty rules; a merchant without a row has the field defaults (`loyalty_settings_of`)."""

    merchant = models.OneToOneField(Merchant, on_delete=models.PROTECT, related_name="loyalty_settings")
    #: points per 1.00 of what a settled order still has paid (0: no points for orders)
    points_per_yuan = models.PositiveIntegerField(default=1)
    #: an earned lot (orders, sign-in) expires this many days after it was earned
    points_valid_days = models.PositiveIntegerField(default=365)
    signin_enabled = models.BooleanField(default=True)
    #: points for every day signed in
    signin_points = models.PositiveIntegerField(default=5)
    #: {"3": 10, "7": 30}: extra points on the n-th day of a streak; after the longest day the cycle restarts
    signin_bonuses = models.JSONField(default=default_signin_bonuses, blank=True)
    #: member levels give their discount at checkout
    levels_enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.CheckConstraint(name="loyalty_points_rate_range", condition=Q(points_per_yuan__lte=100)),
            models.CheckConstraint(name="loyalty_valid_days_range",
                                   condition=Q(points_valid_days__gte=1, points_valid_days__lte=3650)),
            models.CheckConstraint(name="loyalty_signin_points_range", condition=Q(signin_points__lte=10_000)),
        ]


class MemberLevel(models.Model):
    """A merchant's member level (会员等级): reached at `threshold_fen` of growth (settled spending),
    it takes `percent_off` off lines without an activity (5 = 95折)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="member_levels")
    name = models.CharField(max_length=20)
    threshold_fen = models.BigIntegerField()
    percent_off = models.DecimalField(max_digits=4, decimal_places=2)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "threshold_fen"], name="member_level_threshold_unique"),
            models.UniqueConstraint(fields=["merchant", "name"], name="member_level_name_unique"),
            models.CheckConstraint(name="member_level_threshold_not_negative", condition=Q(threshold_fen__gte=0)),
            models.CheckConstraint(name="member_level_percent_range",
                                   condition=Q(percent_off__gt=0) & Q(percent_off__lt=50)),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A buyer's growth value (成长值) at a merchant: the settled paid spending, in fen. Changed only
    with a `GrowthEntry` and a guarded UPDATE; the level is read from it, never stored."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="memberships")
    growth_fen = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "merchant"], name="membership_unique"),
            models.CheckConstraint(name="membership_growth_not_negative", condition=Q(growth_fen__gte=0)),
        ]


class GrowthEntry(models.Model):
    """One change of a growth value; append-only, idempotent by (membership, key)."""

    class Kind(models.TextChoices):
        SETTLE = "settle", _("订单完成")
        REFUND = "refund", _("订单退款")

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="entries")
    delta_fen = models.BigIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    reason = models.CharField(max_length=100, blank=True)
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["membership", "-created_at"], name="growth_entry_history")]
        constraints = [
            models.UniqueConstraint(fields=["membership", "key"], name="growth_entry_key_unique"),
            models.CheckConstraint(name="growth_entry_delta_not_zero", condition=~Q(delta_fen=0)),
            models.CheckConstraint(name="growth_entry_kind_valid", condition=Q(kind__in=["settle", "refund"])),
        ]


class LoyaltyCredit(models.Model):
    """What one settled order (`key`, the order's reference) gave its buyer, and what its refunds took
    back: growth counted now (`paid_fen`, from `settled_paid_fen`), points earned, taken back, and
    the points a refund could not take back because the buyer had spent them (`points_short`)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    settled_paid_fen = models.BigIntegerField()
    paid_fen = models.BigIntegerField()
    points = models.BigIntegerField(default=0)
    points_taken = models.BigIntegerField(default=0)
    points_short = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "key"], name="loyalty_credit_key_unique"),
            models.CheckConstraint(name="loyalty_credit_paid_range",
                                   condition=Q(paid_fen__gte=0) & Q(paid_fen__lte=F("settled_paid_fen"))),
            models.CheckConstraint(
                name="loyalty_credit_points_range",
                condition=(Q(points__gte=0, points_taken__gte=0, points_short__gte=0)
                           & Q(points__gte=F("points_taken") + F("points_short"))),
            ),
        ]


class SignIn(models.Model):
    """A daily sign-in (签到): one per buyer, merchant and local day (Asia/Shanghai), which the
    unique constraint holds under any double tap. `streak`: consecutive days up to this one."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="sign_ins")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="sign_ins")
    day = models.DateField()
    streak = models.PositiveIntegerField()
    points = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "merchant", "day"], name="sign_in_once_a_day"),
            models.CheckConstraint(name="sign_in_streak_positive", condition=Q(streak__gt=0)),
        ]


# --- flash sales (秒杀) -------------------------------------------------------------------------


class FlashSale(models.Model):
    """A flash sale (秒杀) of one listing in one time slot, with its own stock.

    `stock` units are taken from the SKU's supplier stock when the sale is created and what is left
    (stock − sold − held) goes back when it ends (`returned`). A buyer's attempt holds units with
    one guarded UPDATE of `held`; a paid order moves them to `sold`, a cancelled or expired one
    gives them back. The database refuses sold + held + returned above stock.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="flash_sales")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="flash_sales")
    name = models.CharField(max_length=60)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    #: the activity's unit price A (fen)
    price_fen = models.BigIntegerField()
    stock = models.PositiveIntegerField()
    held = models.PositiveIntegerField(default=0)
    sold = models.PositiveIntegerField(default=0)
    #: units given back to the supplier's SKU stock (at the end, and held units released after it)
    returned = models.PositiveIntegerField(default=0)
    per_user_limit = models.PositiveIntegerField(default=1)
    payment_minutes = models.PositiveIntegerField(default=5)
    #: who pays the discount L − A (spec §2)
    funder = models.CharField(max_length=10, choices=Funder.choices, default=Funder.MERCHANT)
    #: whether its lines pay referral rewards (spec §3)
    rewards = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["merchant", "starts_at"], name="flash_sale_merchant_start")]
        constraints = [
            models.CheckConstraint(name="flash_sale_price_positive", condition=Q(price_fen__gt=0)),
            models.CheckConstraint(name="flash_sale_stock_positive", condition=Q(stock__gt=0)),
            models.CheckConstraint(name="flash_sale_not_oversold",
                                   condition=Q(held__gte=0, sold__gte=0, returned__gte=0)
                                   & Q(stock__gte=F("sold") + F("held") + F("returned"))),
            models.CheckConstraint(name="flash_sale_per_user_positive", condition=Q(per_user_limit__gt=0)),
            models.CheckConstraint(name="flash_sale_payment_window",
                                   condition=Q(payment_minutes__gte=1, payment_minutes__lte=60)),
            models.CheckConstraint(name="flash_sale_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))),
            models.CheckConstraint(name="flash_sale_funder_valid", condition=_in("funder", Funder)),
            models.CheckConstraint(name="flash_sale_status_valid", condition=_in("status", CampaignStatus)),
        ]

    def __str__(self) -> str:
        return self.name


class FlashBuyer(models.Model):
    """How many units of a sale one buyer holds or bought; the per-user limit is a guarded UPDATE
    of `taken`, and a released order gives its units back."""

    sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="buyers")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    taken = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sale", "user"], name="flash_buyer_unique"),
            models.CheckConstraint(name="flash_buyer_taken_not_negative", condition=Q(taken__gte=0)),
        ]


class FlashEntryStatus(models.TextChoices):
    HELD = "held", _("待支付")
    SOLD = "sold", _("已支付")
    RELEASED = "released", _("已释放")


class FlashEntry(models.Model):
    """One admitted attempt and its order (`order_id`: campaigns sits below orders, so a plain id)."""

    sale = models.ForeignKey(FlashSale, on_delete=models.PROTECT, related_name="entries")
    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    order_id = models.BigIntegerField(unique=True)
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=FlashEntryStatus.choices, default=FlashEntryStatus.HELD)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["sale", "status"], name="flash_entry_sale_status")]
        constraints = [
            models.CheckConstraint(name="flash_entry_quantity_positive", condition=Q(quantity__gt=0)),
            models.CheckConstraint(name="flash_entry_status_valid", condition=_in("status", FlashEntryStatus)),
        ]


class BargainActivity(models.Model):
    """A bargain (砍价) on one listing: a buyer starts at `start_fen` and `helpers_needed` friends
    each cut a drawn share of start − floor, down to `floor_fen`, within `hours` of starting."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="bargain_activities")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="bargain_activities")
    name = models.CharField(max_length=60)
    start_fen = models.BigIntegerField()
    floor_fen = models.BigIntegerField()
    helpers_needed = models.PositiveIntegerField()
    #: how long a buyer's bargain stays open after it starts
    hours = models.PositiveIntegerField(default=24)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    funder = models.CharField(max_length=10, choices=Funder.choices, default=Funder.MERCHANT)
    rewards = models.BooleanField(default=False)
    #: the merchant accepted a floor below the SKU's cost
    accept_loss = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["merchant", "starts_at"], name="bargain_act_merchant_start")]
        constraints = [
            models.CheckConstraint(name="bargain_act_floor_positive", condition=Q(floor_fen__gt=0)),
            models.CheckConstraint(name="bargain_act_helpers_range",
                                   condition=Q(helpers_needed__gte=1, helpers_needed__lte=100)),
            # every cut is at least one fen
            models.CheckConstraint(name="bargain_act_room_for_cuts",
                                   condition=Q(start_fen__gte=F("floor_fen") + F("helpers_needed"))),
            models.CheckConstraint(name="bargain_act_hours_range", condition=Q(hours__gte=1, hours__lte=168)),
            models.CheckConstraint(name="bargain_act_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))),
            models.CheckConstraint(name="bargain_act_funder_valid", condition=_in("funder", Funder)),
            models.CheckConstraint(name="bargain_act_status_valid", condition=_in("status", CampaignStatus)),
        ]

    def __str__(self) -> str:
        return self.name


class BargainStatus(models.TextChoices):
    OPEN = "open", _("砍价中")
    BOUGHT = "bought", _("已下单")
    EXPIRED = "expired", _("已过期")


class Bargain(models.Model):
    """One buyer's bargain. The whole cut sequence is drawn when it starts (`cuts`, fen, each ≥ 1,
    adding up to start − floor); the k-th help applies `cuts[k-1]` under the row's lock.
    `order_id`: the order bought with it (campaigns sits below orders, so a plain id)."""

    activity = models.ForeignKey(BargainActivity, on_delete=models.PROTECT, related_name="bargains")
    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    start_fen = models.BigIntegerField()
    floor_fen = models.BigIntegerField()
    cuts = models.JSONField()
    price_fen = models.BigIntegerField()
    cuts_made = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=BargainStatus.choices, default=BargainStatus.OPEN)
    order_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "buyer"], condition=Q(status="open"),
                                    name="bargain_one_open_per_buyer"),
            models.CheckConstraint(name="bargain_price_in_range",
                                   condition=Q(price_fen__gte=F("floor_fen"), price_fen__lte=F("start_fen"))),
            models.CheckConstraint(name="bargain_status_valid", condition=_in("status", BargainStatus)),
            models.CheckConstraint(name="bargain_bought_has_order",
                                   condition=~Q(status="bought") | Q(order_id__isnull=False)),
        ]


class BargainHelp(models.Model):
    """One friend's cut: the `seq`-th help of a bargain took `cut_fen` off."""

    bargain = models.ForeignKey(Bargain, on_delete=models.CASCADE, related_name="helps")
    helper = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    cut_fen = models.BigIntegerField()
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bargain", "helper"], name="bargain_help_once"),
            models.UniqueConstraint(fields=["bargain", "seq"], name="bargain_help_seq_once"),
            models.CheckConstraint(name="bargain_help_cut_positive", condition=Q(cut_fen__gt=0)),
        ]


class GroupBuy(models.Model):
    """A group buy (拼团) on one listing: `size` buyers each pay `price_fen` (the opener, 团长,
    `price_fen − leader_discount_fen`); a group that is not complete by its deadline (`hours` after
    it opened, never after `ends_at`) fails and its paid members are refunded in full.

    Like a flash sale it holds its own stock, taken from the SKU when it is created: a seat holds a
    unit (`held`), payment sells it (`sold`), a released seat gives it back, and the end returns the
    rest to the SKU (`returned`). `virtual_fill_percent`: a group at least this full (paid seats)
    at its deadline is completed with virtual members (模拟成团) at the merchant's expense.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="group_buys")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="group_buys")
    name = models.CharField(max_length=60)
    #: members a group needs (2–100)
    size = models.PositiveIntegerField()
    #: the group unit price A (fen)
    price_fen = models.BigIntegerField()
    #: 团长价: the opener pays price_fen − leader_discount_fen
    leader_discount_fen = models.BigIntegerField(default=0)
    #: how long a group stays open after it was opened
    hours = models.PositiveIntegerField(default=24)
    #: seats one buyer may hold (open or join) over the activity's groups
    per_user_limit = models.PositiveIntegerField(default=1)
    payment_minutes = models.PositiveIntegerField(default=15)
    stock = models.PositiveIntegerField()
    held = models.PositiveIntegerField(default=0)
    sold = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    #: None: no virtual fill; else a group at least this % full (paid) at its deadline is completed
    virtual_fill_percent = models.PositiveIntegerField(null=True, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    funder = models.CharField(max_length=10, choices=Funder.choices, default=Funder.MERCHANT)
    rewards = models.BooleanField(default=False)
    accept_loss = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["merchant", "starts_at"], name="group_buy_merchant_start")]
        constraints = [
            models.CheckConstraint(name="group_buy_size_range", condition=Q(size__gte=2, size__lte=100)),
            models.CheckConstraint(name="group_buy_price_positive", condition=Q(price_fen__gt=0)),
            models.CheckConstraint(name="group_buy_leader_price_positive",
                                   condition=Q(leader_discount_fen__gte=0) & Q(price_fen__gt=F("leader_discount_fen"))),
            models.CheckConstraint(name="group_buy_stock_positive", condition=Q(stock__gt=0)),
            models.CheckConstraint(name="group_buy_not_oversold",
                                   condition=Q(held__gte=0, sold__gte=0, returned__gte=0)
                                   & Q(stock__gte=F("sold") + F("held") + F("returned"))),
            models.CheckConstraint(name="group_buy_per_user_positive", condition=Q(per_user_limit__gt=0)),
            models.CheckConstraint(name="group_buy_hours_range", condition=Q(hours__gte=1, hours__lte=168)),
            models.CheckConstraint(name="group_buy_payment_window",
                                   condition=Q(payment_minutes__gte=1, payment_minutes__lte=60)),
            models.CheckConstraint(name="group_buy_virtual_fill_range",
                                   condition=Q(virtual_fill_percent__isnull=True)
                                   | Q(virtual_fill_percent__gte=1, virtual_fill_percent__lte=99)),
            models.CheckConstraint(name="group_buy_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))),
            models.CheckConstraint(name="group_buy_funder_valid", condition=_in("funder", Funder)),
            models.CheckConstraint(name="group_buy_status_valid", condition=_in("status", CampaignStatus)),
        ]

    def __str__(self) -> str:
        return self.name


class GroupBuyBuyer(models.Model):
    """How many seats of an activity one buyer holds or paid for; the per-user limit is a guarded
    UPDATE of `taken`, and a released seat gives it back."""

    activity = models.ForeignKey(GroupBuy, on_delete=models.CASCADE, related_name="buyers")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    taken = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "user"], name="group_buy_buyer_unique"),
            models.CheckConstraint(name="group_buy_buyer_taken_not_negative", condition=Q(taken__gte=0)),
        ]


class GroupStatus(models.TextChoices):
    OPEN = "open", _("拼团中")
    COMPLETE = "complete", _("已成团")
    FAILED = "failed", _("拼团失败")


class GroupBuyGroup(models.Model):
    """One group (团) of an activity, opened by its leader. `seats`: members holding a seat (unpaid
    or paid), never above `size` (a guarded UPDATE); `paid`: members who paid. Complete when `paid`
    reaches `size` (or by virtual fill at the deadline); failed when the deadline passes first."""

    activity = models.ForeignKey(GroupBuy, on_delete=models.PROTECT, related_name="groups")
    leader = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    size = models.PositiveIntegerField()
    seats = models.PositiveIntegerField(default=0)
    paid = models.PositiveIntegerField(default=0)
    deadline = models.DateTimeField()
    status = models.CharField(max_length=8, choices=GroupStatus.choices, default=GroupStatus.OPEN)
    virtual_members = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["activity", "status"], name="group_buy_group_act_status"),
                   models.Index(fields=["status", "deadline"], name="group_buy_group_deadline")]
        constraints = [
            models.CheckConstraint(name="group_buy_group_seats_within_size",
                                   condition=Q(seats__lte=F("size"), paid__lte=F("size"))),
            models.CheckConstraint(name="group_buy_group_status_valid", condition=_in("status", GroupStatus)),
        ]


class MemberStatus(models.TextChoices):
    HELD = "held", _("待支付")
    PAID = "paid", _("已支付")
    RELEASED = "released", _("已释放")


class RefundState(models.TextChoices):
    NONE = "", _("无")
    PENDING = "pending", _("退款中")
    SUCCEEDED = "succeeded", _("已退款")
    FAILED = "failed", _("退款失败")


class GroupBuyMember(models.Model):
    """A seat in a group: a buyer's order (`order_id`, a plain id: campaigns sits below orders), or
    a virtual member (`virtual`, no buyer, no order, no money) added by virtual fill. A failed
    group's paid members carry the state of their automatic refund (written by payments)."""

    group = models.ForeignKey(GroupBuyGroup, on_delete=models.PROTECT, related_name="members")
    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    order_id = models.BigIntegerField(unique=True, null=True, blank=True)
    leader = models.BooleanField(default=False)
    virtual = models.BooleanField(default=False)
    #: what the seat's unit costs (A): the leader's price for the opener
    unit_fen = models.BigIntegerField(default=0)
    status = models.CharField(max_length=8, choices=MemberStatus.choices, default=MemberStatus.HELD)
    refund_state = models.CharField(max_length=10, choices=RefundState.choices, default="", blank=True)
    refund_id = models.BigIntegerField(null=True, blank=True)
    #: refunds tried for this member (a retry after a refused refund uses a new key)
    refund_attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["buyer", "status"], name="group_buy_member_buyer")]
        constraints = [
            # a buyer holds at most one live seat in a group
            models.UniqueConstraint(fields=["group", "buyer"], condition=Q(status__in=["held", "paid"], virtual=False),
                                    name="group_buy_member_one_seat"),
            models.CheckConstraint(name="group_buy_member_status_valid", condition=_in("status", MemberStatus)),
            models.CheckConstraint(name="group_buy_member_real_or_virtual",
                                   condition=Q(virtual=True, buyer__isnull=True, order_id__isnull=True)
                                   | Q(virtual=False, buyer__isnull=False, order_id__isnull=False)),
        ]
