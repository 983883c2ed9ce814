"""Consumers (C): addresses, behaviour events, purchase facts, profiles, CRM, layers."""

from django.db import models

from linkmall.accounts.models import User
from linkmall.core import clock


class Address(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    recipient = models.CharField(max_length=50)
    phone = models.CharField(max_length=20)
    province = models.CharField(max_length=20)
    city = models.CharField(max_length=20)
    district = models.CharField(max_length=20, blank=True)
    detail = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_default=True), name="one_default_address_per_user"
            ),
        ]

    def one_line(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.detail}"

    def snapshot(self) -> dict:
        return {
            "recipient": self.recipient,
            "phone": self.phone,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "detail": self.detail,
        }


# --- behaviour tracking (card and product pages) -------------------------------------------


class Visitor(models.Model):
    """A browser that opened a card or product page, identified by a random cookie key.

    Anonymous until it logs in; then `user` links it to the consumer. We keep no IP address,
    no user agent and no location beyond the store chosen for the visitor (data minimisation).
    """

    key = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="visitors")
    consented_at = models.DateTimeField(null=True, blank=True)  # tracking consent, shown once
    first_seen_at = models.DateTimeField(default=clock.now)
    last_seen_at = models.DateTimeField(default=clock.now)


class Event(models.Model):
    """One behaviour trace; append-only. `dedupe_key` makes ingest idempotent."""

    class Kind(models.TextChoices):
        CARD_VIEW = "card_view", "名片浏览"
        SECTION_VIEW = "section_view", "版块浏览"
        PRODUCT_VIEW = "product_view", "商品浏览"
        DWELL = "dwell", "停留"
        SHARE = "share", "分享"
        FORWARD = "forward", "转发打开"
        BOOK = "book", "预约"
        ASK = "ask", "咨询"

    dedupe_key = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    merchant = models.ForeignKey("stores.Merchant", on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("stores.Store", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    guide = models.ForeignKey("stores.Guide", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    product = models.ForeignKey("catalog.Product", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    section = models.CharField(max_length=32, blank=True)
    dwell_ms = models.PositiveIntegerField(default=0)
    visit_number = models.PositiveIntegerField(default=1)  # nth visit of this visitor to this merchant
    # who shared the link this visitor came through (share graph: shared_by -> visitor)
    shared_by = models.ForeignKey(Visitor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [
            models.Index(fields=["guide", "id"], name="event_guide_feed"),
            models.Index(fields=["merchant", "visitor", "occurred_at"], name="event_visitor_time"),
            models.Index(fields=["merchant", "occurred_at"], name="event_merchant_time"),
        ]


class ShareEdge(models.Model):
    """Who brought whom to a merchant: the share graph that influence scores run on."""

    merchant = models.ForeignKey("stores.Merchant", on_delete=models.CASCADE, related_name="+")
    sharer = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="shared_to")
    recipient = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="shared_from")
    first_at = models.DateTimeField(default=clock.now)
    opens = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "sharer", "recipient"], name="one_share_edge"),
        ]


class Purchase(models.Model):
    """A purchase fact for scoring: a paid mall order, or a historical POS/Excel row."""

    class Source(models.TextChoices):
        MALL = "mall", "商城订单"
        IMPORT = "import", "导入"

    merchant = models.ForeignKey("stores.Merchant", on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("stores.Store", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="purchases")
    source = models.CharField(max_length=8, choices=Source.choices)
    reference = models.CharField(max_length=64)  # order number, or the import's own order id
    amount_fen = models.BigIntegerField()
    refunded_fen = models.BigIntegerField(default=0)
    occurred_at = models.DateTimeField()
    product_ids = models.JSONField(default=list, blank=True)  # catalog products in it, for interests

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "source", "reference"], name="one_purchase_per_reference"),
        ]
        indexes = [models.Index(fields=["merchant", "user", "occurred_at"], name="purchase_user_time")]


# --- profiles, CRM ------------------------------------------------------------------------


class Layer(models.TextChoices):
    CORE = "core", "核心层"
    ACTIVE = "active", "活跃层"
    POTENTIAL = "potential", "潜在层"


class Profile(models.Model):
    """A consumer as one merchant knows them; scores are written by the layering run."""

    merchant = models.ForeignKey("stores.Merchant", on_delete=models.CASCADE, related_name="profiles")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="profiles")
    guide = models.ForeignKey("stores.Guide", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="profiles")  # the guide who looks after them
    name = models.CharField(max_length=64, blank=True)
    birthday = models.DateField(null=True, blank=True)
    first_seen_at = models.DateTimeField(default=clock.now)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    interests = models.JSONField(default=dict, blank=True)  # category slug -> weight
    intent_grade = models.CharField(max_length=1, blank=True)  # A-D
    intent_score = models.FloatField(null=True, blank=True)  # probability of ordering within 14 days
    layer = models.CharField(max_length=10, choices=Layer.choices, blank=True)
    scores = models.JSONField(default=dict, blank=True)  # recency, frequency, monetary, engagement, influence, total
    clv_fen = models.BigIntegerField(null=True, blank=True)  # expected value over the CLV horizon
    expected_purchases = models.FloatField(null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "user"], name="one_profile_per_merchant")]
        indexes = [models.Index(fields=["merchant", "layer"], name="profile_layer")]


class Tag(models.Model):
    class Kind(models.TextChoices):
        MANUAL = "manual", "手动"
        AUTO = "auto", "自动"

    merchant = models.ForeignKey("stores.Merchant", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=32)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.MANUAL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "name"], name="one_tag_name_per_merchant")]


class ProfileTag(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="profile_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "tag"], name="one_tag_per_profile")]


class Note(models.Model):
    """A CRM note or a follow-up on a profile (跟进记录)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=2000)
    is_follow_up = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=clock.now)


class Reminder(models.Model):
    """Something a guide must do for a customer, by a time; layer actions create them too."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="reminders")
    guide = models.ForeignKey("stores.Guide", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=32, blank=True)  # manual, or the layer action that made it
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["guide", "done_at", "due_at"], name="reminder_todo")]


# --- layering -----------------------------------------------------------------------------


class CustomerSettings(models.Model):
    """A merchant's own thresholds, weights and tracking retention."""

    merchant = models.OneToOneField("stores.Merchant", primary_key=True, on_delete=models.CASCADE,
                                    related_name="customer_settings")
    core_min_score = models.FloatField(default=0.6)
    active_min_score = models.FloatField(default=0.3)
    weights = models.JSONField(default=dict, blank=True)  # {"rfm": .5, "engagement": .3, "influence": .2}
    retention_days = models.PositiveIntegerField(default=365)
    updated_at = models.DateTimeField(default=clock.now)


class LayerRun(models.Model):
    """One recompute of a merchant's layers: progress while it runs, counts when done."""

    class Status(models.TextChoices):
        RUNNING = "running", "计算中"
        DONE = "done", "完成"
        FAILED = "failed", "失败"

    merchant = models.ForeignKey("stores.Merchant", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    counts = models.JSONField(default=dict, blank=True)  # layer -> customers
    error = models.CharField(max_length=200, blank=True)


class ScoringModel(models.Model):
    """A merchant's fitted intent model and the score distribution of its last layer run.

    `profile_rescore` grades one customer between two runs against these, so a single new event
    costs a handful of queries instead of a recompute. No row (or no fitted model) means rules.
    """

    merchant = models.OneToOneField("stores.Merchant", primary_key=True, on_delete=models.CASCADE,
                                    related_name="+")
    intent = models.JSONField(default=dict, blank=True)  # features, mean, scale, coef, intercept, grade cuts
    metrics = models.JSONField(default=dict, blank=True)  # model_auc, rules_auc, n_train, n_test
    reference = models.JSONField(default=dict, blank=True)  # score component -> sorted percentile breakpoints
    trained_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=clock.now)


class LayerChange(models.Model):
    """A customer who moved between layers in a run (the migration report)."""

    run = models.ForeignKey(LayerRun, on_delete=models.CASCADE, related_name="changes")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    from_layer = models.CharField(max_length=10, blank=True)
    to_layer = models.CharField(max_length=10)


class Outreach(models.Model):
    """A treatment a layer gets: an offer, early access, a first-purchase nudge."""

    class Kind(models.TextChoices):
        BIRTHDAY_OFFER = "birthday_offer", "生日礼遇"
        EXCLUSIVE_OFFER = "exclusive_offer", "专属优惠"
        EARLY_ACCESS = "early_access", "新品抢先"
        FIRST_PURCHASE = "first_purchase", "首单激励"

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="outreach")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    period = models.CharField(max_length=16)  # e.g. 2026-11 or 2026-W48: one per kind and period
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "kind", "period"], name="one_outreach_per_period")]


class ItemNeighbour(models.Model):
    """Item-item recommendation: for a store, products most like `product`, best first."""

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    neighbour = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    computed_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "product", "neighbour"], name="one_neighbour_pair"),
        ]


class ItemPopularity(models.Model):
    """How popular a product is in a store (recommendations' fallback for people without history)."""

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    computed_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "product"], name="one_popularity_per_product")]
        indexes = [models.Index(fields=["store", "-score"], name="popularity_rank")]
