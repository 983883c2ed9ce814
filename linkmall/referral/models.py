"""The 2+1 engine's state: plan versions, the invite and team graphs, their audit log, rewards."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from linkmall.accounts.models import User
from linkmall.core import clock
from linkmall.orders.models import Order, OrderLine
from linkmall.stores.models import Guide, Merchant


class ReferralPlan(models.Model):
    """One version of the mall's reward plan. Only an acknowledged plan can go live."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        LIVE = "live", _("生效中")
        RETIRED = "retired", _("已停用")

    config = models.JSONField(help_text="profile and overrides, as in a plan file")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    #: the risks the operator saw, as [{"code", "severity", "article", "explanation"}]
    compliance = models.JSONField(default=list)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    acknowledged_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    went_live_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="live"), name="one_live_plan"),
            models.CheckConstraint(
                name="live_plan_was_acknowledged",
                condition=~models.Q(status="live") | models.Q(acknowledged_at__isnull=False),
            ),
        ]


class EngineSwitch(models.Model):
    """The kill switch: while `rewards_paused`, no new reward accrues; earned ones are kept."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    rewards_paused = models.BooleanField(default=False)
    changed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=clock.now)
    reason = models.CharField(max_length=200, blank=True)


class Promoter(models.Model):
    class Level(models.TextChoices):
        MEMBER = "member", _("会员")
        AGENT = "agent", _("代理")
        BOSS = "boss", _("老板")

    user = models.OneToOneField(User, primary_key=True, on_delete=models.PROTECT, related_name="promoter")
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.MEMBER)
    #: invite graph parent: set once (first touch), never changed
    referrer = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals")
    bound_via = models.CharField(max_length=16, blank=True)  # link / qr / card / order / poster / seed
    bound_at = models.DateTimeField(null=True, blank=True)
    #: team graph parent: a boss, or none (the platform)
    team_owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="team_members")
    origin_boss = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    slots = models.PositiveIntegerField(default=0)
    spend_fen = models.BigIntegerField(default=0)
    entered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(name="no_self_referral", condition=~models.Q(referrer=models.F("user"))),
            models.CheckConstraint(name="boss_in_no_team", condition=~models.Q(level="boss", team_owner__isnull=False)),
        ]


class TeamEvent(models.Model):
    """Append-only audit of every binding, placement, slide, promotion and breakaway."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16)  # bound, placed, slid, promoted, broke_away, seeded
    team_owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    referrer = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "id"]


class OrderSettlement(models.Model):
    """The money state of one paid order: its plan, its fee rate, and when it settles (§4, §6)."""

    order = models.OneToOneField(Order, primary_key=True, on_delete=models.PROTECT, related_name="settlement")
    #: the plan live when the order was paid; none when no plan was live (no rewards then)
    plan = models.ForeignKey(ReferralPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(max_length=8)
    platform_fee_percent = models.DecimalField(max_digits=6, decimal_places=3, default=0)
    paid_at = models.DateTimeField()
    settle_due_at = models.DateTimeField()
    rewards_accrued_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    #: the guide paid a commission on this order (导购提成) and the rate, both fixed at payment; a
    #: pick-up order with no guide yet gets the guide who hands it over (docs/o2o.md)
    guide = models.ForeignKey(Guide, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    guide_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    #: the guide paid a management reward (团队管理奖励): the one who invited the promoter whose
    #: customer bought, one level only
    team_guide = models.ForeignKey(Guide, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    team_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["settled_at", "settle_due_at"])]


class GuidePay(models.Model):
    """A merchant's terms for its guides: commission on attributed orders and the management
    reward on the sales of the promoters a guide invited (docs/o2o.md, "Guides earn")."""

    merchant = models.OneToOneField(Merchant, primary_key=True, on_delete=models.PROTECT, related_name="guide_pay")
    commission_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    team_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    #: the compliance review of these terms (`plans.guide_pay_risks`), as saved
    compliance = models.JSONField(default=list)
    acknowledged_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=clock.now)


class Reward(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", _("直推奖")
        TEAM = "team", _("团队奖")
        PEER = "peer", _("平级奖")

    class Status(models.TextChoices):
        PENDING = "pending", _("冻结中")
        AVAILABLE = "available", _("可提现")
        CANCELLED = "cancelled", _("已取消")

    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="rewards")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="rewards")
    recipient = models.ForeignKey(User, on_delete=models.PROTECT, related_name="rewards")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    #: what the recipient is owed now: the accrued amount, less what refunds reversed
    amount_fen = models.BigIntegerField()
    accrued_fen = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            # a reward is paid once: one row per line and kind
            models.UniqueConstraint(fields=["line", "kind"], name="one_reward_per_line_and_kind"),
            models.CheckConstraint(name="reward_within_accrued",
                                   condition=models.Q(amount_fen__gte=0, amount_fen__lte=models.F("accrued_fen"))),
        ]
        indexes = [models.Index(fields=["recipient", "status"])]


class QualifyingProduct(models.Model):
    """A package (礼包) the platform operator names: buying it is the entry to agent."""

    product = models.OneToOneField("catalog.Product", primary_key=True, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=clock.now)
