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
from linkmall.stores.models import Merchant


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

    class Meta:
        indexes = [
            models.Index(fields=["user", "merchant", "status"], name="coupon_wallet"),
            models.Index(fields=["status", "valid_until"], name="coupon_expiry"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="coupon_key_unique_per_template"),
            models.UniqueConstraint(fields=["template", "user", "slot"], name="coupon_slot_unique_per_user"),
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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "merchant"], name="points_account_unique"),
            models.CheckConstraint(name="points_balance_not_negative", condition=Q(balance__gte=0)),
        ]


class PointsEntry(models.Model):
    """One change of a points balance; append-only. `key` makes every change idempotent."""

    class Reason(models.TextChoices):
        GRANT = "grant", _("获得积分")
        SPEND = "spend", _("积分抵扣")
        RETURN = "return", _("积分退回")

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries")
    delta = models.BigIntegerField()
    kind = models.CharField(max_length=8, choices=Reason.choices)
    #: what a person reads, e.g. 下单奖励 or the order number
    reason = models.CharField(max_length=100, blank=True)
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at"], name="points_entry_history")]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="points_entry_key_unique"),
            models.CheckConstraint(name="points_entry_delta_not_zero", condition=~Q(delta=0)),
            models.CheckConstraint(name="points_entry_kind_valid", condition=Q(kind__in=["grant", "spend", "return"])),
        ]
