"""Carts, orders and per-supplier fulfilments (drop-ship purchase orders)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from linkmall.accounts.models import User
from linkmall.campaigns.models import Coupon, Funder, Promotion
from linkmall.campaigns.pricing import unit_share
from linkmall.catalog.models import Product, Sku, Supplier
from linkmall.core import clock
from linkmall.stores.models import Guide, Listing, Merchant, Store


class CartLine(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cart_lines")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "listing"], name="cart_line_unique"),
            models.CheckConstraint(name="cart_quantity_positive", condition=models.Q(quantity__gt=0)),
        ]


class FulfilmentMode(models.TextChoices):
    DELIVERY = "delivery", _("快递配送")
    PICKUP = "pickup", _("到店自提")


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("待付款")
        PAID = "paid", _("待发货")
        SHIPPED = "shipped", _("已发货")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已取消")
        CLOSED = "closed", _("已关闭")  # paid, then refunded in full

    class Kind(models.TextChoices):
        NORMAL = "normal", _("普通订单")
        #: an invite-tier prize: one 0-price line, paid without a payment, its cost paid by a funder
        GIFT = "gift", _("赠品订单")

    number = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.NORMAL)
    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="orders")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders")
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    guide = models.ForeignKey(Guide, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT)
    #: the client's key for "place this order"; a retried request returns the same order
    client_token = models.CharField(max_length=64)
    address = models.JSONField()
    note = models.CharField(max_length=200, blank=True)
    #: Σ list_fen of the lines: the goods at their listing prices (docs/specs/campaigns.md §1)
    list_fen = models.BigIntegerField()
    #: every discount of the order's lines, list − paid (activity, level, promotion, coupon, points)
    discount_fen = models.BigIntegerField(default=0)
    #: points spent on this order (100 points = 1.00), split over the lines as `OrderLine.points_used`
    points_used = models.BigIntegerField(default=0)
    coupon = models.ForeignKey(Coupon, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    #: the store promotion the order took (at most one, §1 step 4)
    promotion = models.ForeignKey(Promotion, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    #: Σ paid_fen of the lines: what the goods cost the buyer
    goods_fen = models.BigIntegerField()
    shipping_fen = models.BigIntegerField(default=0)
    total_fen = models.BigIntegerField()
    refunded_fen = models.BigIntegerField(default=0)
    placed_at = models.DateTimeField(default=clock.now, db_index=True)
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    #: 快递 or 到店自提 (docs/o2o.md): a pick-up order ships to `pickup_store`, the buyer collects it there
    fulfilment_mode = models.CharField(max_length=10, choices=FulfilmentMode.choices, default=FulfilmentMode.DELIVERY)
    pickup_store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="pickup_orders")
    #: 8 random digits, unique among open orders; shown to the buyer once the store has the parcel
    pickup_code = models.CharField(max_length=8, blank=True, default="")
    #: the store received the supplier's parcel: the order is ready for pick-up (待自提)
    store_received_at = models.DateTimeField(null=True, blank=True)
    #: the buyer was reminded to collect it (no other channel to buyers yet: the order page shows it)
    pickup_reminded_at = models.DateTimeField(null=True, blank=True)
    picked_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["buyer", "client_token"], name="order_client_token_unique"),
            models.UniqueConstraint(
                fields=["pickup_code"], name="order_pickup_code_unique_open",
                condition=models.Q(status__in=["pending_payment", "paid", "shipped"]) & ~models.Q(pickup_code=""),
            ),
            models.CheckConstraint(
                name="order_pickup_has_store",
                condition=models.Q(fulfilment_mode="delivery", pickup_store__isnull=True)
                | models.Q(fulfilment_mode="pickup", pickup_store__isnull=False),
            ),
            models.CheckConstraint(
                name="order_total_adds_up",
                condition=models.Q(total_fen=models.F("goods_fen") + models.F("shipping_fen")),
            ),
            models.CheckConstraint(
                name="order_refund_within_total",
                condition=models.Q(refunded_fen__gte=0) & models.Q(refunded_fen__lte=models.F("total_fen")),
            ),
            models.CheckConstraint(
                name="order_goods_after_discount",
                condition=models.Q(discount_fen__gte=0, points_used__gte=0)
                & models.Q(goods_fen=models.F("list_fen") - models.F("discount_fen")),
            ),
            models.CheckConstraint(
                name="order_gift_is_free",
                condition=models.Q(kind="normal") | models.Q(kind="gift", goods_fen=0, shipping_fen=0),
            ),
        ]
        indexes = [models.Index(fields=["merchant", "status"]), models.Index(fields=["buyer", "placed_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def pickup_ready(self) -> bool:
        """待自提: a pick-up order whose parcel is in the store, not collected yet."""
        return (self.fulfilment_mode == FulfilmentMode.PICKUP and self.status == self.Status.SHIPPED
                and self.store_received_at is not None and self.picked_up_at is None)


class Fulfilment(models.Model):
    """The part of an order one supplier ships (一件代发)."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("待付款")
        #: paid, its group buy (拼团) not complete yet: nothing ships until it is (待成团)
        AWAITING_GROUP = "awaiting_group", _("待成团")
        TO_SHIP = "to_ship", _("待发货")
        SHIPPED = "shipped", _("已发货")
        RECEIVED = "received", _("已收货")
        CANCELLED = "cancelled", _("已取消")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfilments")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="fulfilments")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT)
    carrier = models.CharField(max_length=50, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    #: how receipt was confirmed: "buyer" or "auto"
    received_by = models.CharField(max_length=10, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "supplier"], name="one_fulfilment_per_supplier")]
        indexes = [models.Index(fields=["supplier", "status"])]


class OrderLine(models.Model):
    """One listing of an order. Its price is stored step by step (docs/specs/campaigns.md §1), so a
    refund, the settlement or an export never recomputes it: list L → activity A → member level V →
    promotion R → coupon D → points → paid P = A − V − R − D − points value. Each discount keeps its
    funder (§2); points and the member level are always the merchant's."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.PROTECT, related_name="lines")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="+")
    # snapshots at the time of ordering: later price or name changes do not touch old orders
    product_name = models.CharField(max_length=120)
    spec_text = models.CharField(max_length=120, blank=True)
    unit_price_fen = models.BigIntegerField()
    unit_cost_fen = models.BigIntegerField()
    unit_pool_fen = models.BigIntegerField(default=0)
    quantity = models.PositiveIntegerField()
    #: L: listing price × quantity
    list_fen = models.BigIntegerField()
    #: A: the activity's price for the line (flash sale, group buy, bargain); L without one
    activity_fen = models.BigIntegerField()
    activity_funder = models.CharField(max_length=10, choices=Funder.choices, default=Funder.MERCHANT)
    #: the activity that priced the line ("flash", …; "gift" for an invite prize), blank for none
    activity_kind = models.CharField(max_length=10, blank=True, default="")
    #: spec §3: a line of an activity pays referral rewards only when the activity says so
    activity_rewards = models.BooleanField(default=False)
    #: V: the member-level discount (the merchant's)
    level_fen = models.BigIntegerField(default=0)
    #: R: this line's part of the order's store promotion
    promotion_fen = models.BigIntegerField(default=0)
    promotion_funder = models.CharField(max_length=10, choices=Funder.choices, default=Funder.MERCHANT)
    #: D: this line's part of the order's coupon
    coupon_fen = models.BigIntegerField(default=0)
    coupon_funder = models.CharField(max_length=10, choices=Funder.choices, default=Funder.MERCHANT)
    #: this line's part of the order's points, and their value (the merchant's)
    points_used = models.BigIntegerField(default=0)
    points_fen = models.BigIntegerField(default=0)
    #: P: what the buyer paid for the line
    paid_fen = models.BigIntegerField()
    refunded_quantity = models.PositiveIntegerField(default=0)
    refunded_fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(name="line_quantity_positive", condition=models.Q(quantity__gt=0)),
            models.CheckConstraint(
                name="line_refund_within_quantity", condition=models.Q(refunded_quantity__lte=models.F("quantity"))
            ),
            models.CheckConstraint(
                name="line_discounts_not_negative",
                condition=models.Q(paid_fen__gte=0, level_fen__gte=0, promotion_fen__gte=0, coupon_fen__gte=0,
                                   points_used__gte=0, points_fen__gte=0, activity_fen__gte=0)
                & models.Q(activity_fen__lte=models.F("list_fen")),
            ),
            models.CheckConstraint(
                name="line_paid_adds_up",
                condition=models.Q(
                    paid_fen=models.F("activity_fen") - models.F("level_fen") - models.F("promotion_fen")
                    - models.F("coupon_fen") - models.F("points_fen")
                ),
            ),
            models.CheckConstraint(
                name="line_refund_within_paid",
                condition=models.Q(refunded_fen__gte=0) & models.Q(refunded_fen__lte=models.F("paid_fen")),
            ),
        ]

    @property
    def line_total_fen(self) -> int:
        """What the line costs the buyer: P (the unit price × quantity when nothing was discounted)."""
        return self.paid_fen

    @property
    def discount_fen(self) -> int:
        """Every discount of the line: L − P."""
        return self.list_fen - self.paid_fen

    @property
    def platform_funded_fen(self) -> int:
        """Dₚ: what the platform pays into this line (§2); every other discount is the merchant's."""
        funded = 0
        if self.activity_funder == Funder.PLATFORM:
            funded += self.list_fen - self.activity_fen
        if self.promotion_funder == Funder.PLATFORM:
            funded += self.promotion_fen
        if self.coupon_funder == Funder.PLATFORM:
            funded += self.coupon_fen
        return funded

    @property
    def merchant_funded_fen(self) -> int:
        return self.discount_fen - self.platform_funded_fen

    @property
    def remaining_quantity(self) -> int:
        return self.quantity - self.refunded_quantity

    def share_of(self, total_fen: int, units: int | None = None) -> int:
        """The part of a line amount (P, Dₚ, points …) that belongs to `units` of its units, by
        `unit_share` (§4: refunds take units from the end). Default: the units not refunded."""
        return unit_share(total_fen, self.quantity, self.remaining_quantity if units is None else units)

    def refund_fen(self, quantity: int, *, remaining: int | None = None) -> int:
        """What `quantity` more refunded units give back when `remaining` units are left before
        them (default: the units not refunded): paid_of(remaining) − paid_of(remaining − quantity)."""
        left = self.remaining_quantity if remaining is None else remaining
        return self.share_of(self.paid_fen, left) - self.share_of(self.paid_fen, left - quantity)


class Redemption(models.Model):
    """One attempt to redeem (核销) a code in a store: a pick-up code or an in-store coupon's code.
    Every attempt is kept, refused ones too (the audit and the rate limit read them); at most one
    `redeemed` row per order and per coupon, so a retry finds the first result."""

    class Kind(models.TextChoices):
        PICKUP = "pickup", _("到店自提")
        COUPON = "coupon", _("到店核销券")

    class Outcome(models.TextChoices):
        REDEEMED = "redeemed", _("核销成功")
        ALREADY = "redeem_already", _("已核销")
        NOT_FOUND = "redeem_not_found", _("券码不存在")
        WRONG_STORE = "redeem_wrong_store", _("非本店券码")
        NOT_READY = "redeem_not_ready", _("包裹未到店")
        AFTERSALE_OPEN = "redeem_aftersale_open", _("售后处理中")
        GROUP_INCOMPLETE = "redeem_group_incomplete", _("未成团")
        LOCKED = "redeem_locked", _("尝试过多，已锁定")
        INVALID = "redeem_invalid", _("无法核销")

    #: outcomes that count towards the lock (a guess, a wrong store's code, a used code)
    FAILURES = ("redeem_not_found", "redeem_wrong_store", "redeem_already", "redeem_invalid")

    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="redemptions")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="redemptions")
    kind = models.CharField(max_length=8, choices=Kind.choices, blank=True)
    code = models.CharField(max_length=16)
    outcome = models.CharField(max_length=32, choices=Outcome.choices)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions")
    coupon = models.ForeignKey(Coupon, null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions")
    #: an in-store coupon: the in-store purchase it was used on
    purchase_fen = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [
            models.Index(fields=["actor", "outcome", "at"], name="redemption_actor_at"),
            models.Index(fields=["store", "outcome", "at"], name="redemption_store_at"),
            models.Index(fields=["merchant", "at"], name="redemption_merchant_at"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=models.Q(outcome="redeemed"),
                                    name="redemption_once_per_order"),
            models.UniqueConstraint(fields=["coupon"], condition=models.Q(outcome="redeemed"),
                                    name="redemption_once_per_coupon"),
            models.CheckConstraint(name="redemption_purchase_not_negative",
                                   condition=models.Q(purchase_fen__isnull=True) | models.Q(purchase_fen__gte=0)),
        ]
