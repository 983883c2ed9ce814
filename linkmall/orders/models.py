"""Carts, orders and per-supplier fulfilments (drop-ship purchase orders)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from linkmall.accounts.models import User
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


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("待付款")
        PAID = "paid", _("待发货")
        SHIPPED = "shipped", _("已发货")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已取消")
        CLOSED = "closed", _("已关闭")  # paid, then refunded in full

    number = models.CharField(max_length=32, unique=True)
    buyer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="orders")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders")
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    guide = models.ForeignKey(Guide, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT)
    #: the client's key for "place this order"; a retried request returns the same order
    client_token = models.CharField(max_length=64)
    address = models.JSONField()
    note = models.CharField(max_length=200, blank=True)
    goods_fen = models.BigIntegerField()
    shipping_fen = models.BigIntegerField(default=0)
    total_fen = models.BigIntegerField()
    refunded_fen = models.BigIntegerField(default=0)
    placed_at = models.DateTimeField(default=clock.now, db_index=True)
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["buyer", "client_token"], name="order_client_token_unique"),
            models.CheckConstraint(
                name="order_total_adds_up",
                condition=models.Q(total_fen=models.F("goods_fen") + models.F("shipping_fen")),
            ),
            models.CheckConstraint(
                name="order_refund_within_total",
                condition=models.Q(refunded_fen__gte=0) & models.Q(refunded_fen__lte=models.F("total_fen")),
            ),
        ]
        indexes = [models.Index(fields=["merchant", "status"]), models.Index(fields=["buyer", "placed_at"])]

    def __str__(self) -> str:
        return self.number


class Fulfilment(models.Model):
    """The part of an order one supplier ships (一件代发)."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("待付款")
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
    refunded_quantity = models.PositiveIntegerField(default=0)
    refunded_fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(name="line_quantity_positive", condition=models.Q(quantity__gt=0)),
            models.CheckConstraint(
                name="line_refund_within_quantity", condition=models.Q(refunded_quantity__lte=models.F("quantity"))
            ),
        ]

    @property
    def line_total_fen(self) -> int:
        return self.unit_price_fen * self.quantity
