"""Payments through a gateway, the notifications that confirm them, and refunds."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from linkmall.core import clock
from linkmall.orders.models import Order


class Payment(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", _("待支付")
        SUCCEEDED = "succeeded", _("已支付")
        CLOSED = "closed", _("已关闭")
        #: money arrived for an order that could no longer take it (expired, or paid twice):
        #: recorded with its transaction id and refunded in full automatically
        REFUNDED = "refunded", _("已自动退款")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=20)
    #: our id of the payment at the gateway (商户订单号)
    out_trade_no = models.CharField(max_length=64, unique=True)
    amount_fen = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    #: the gateway's id of the succeeded transaction; unique, so one transaction records once
    transaction_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(name="payment_amount_positive", condition=models.Q(amount_fen__gt=0)),
            # at most one succeeded payment per order: a second one is refused by the database
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(status="succeeded"), name="one_succeeded_payment_per_order"
            ),
        ]


class PaymentNotification(models.Model):
    """Every notification the gateway delivered, verified or not — the audit trail of callbacks."""

    gateway = models.CharField(max_length=20)
    #: the gateway's id of the notification; a redelivery carries the same id
    notify_id = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=clock.now)
    payload = models.JSONField()
    #: "accepted", "duplicate" or a refusal code such as "bad_signature", "stale"
    outcome = models.CharField(max_length=32)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    #: of verified notifications only: the one-time nonce and a digest of the business content,
    #: so a redelivery (same content) is told apart from a replay (same id or nonce, other content)
    nonce = models.CharField(max_length=64, blank=True)
    content_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["gateway", "notify_id"]), models.Index(fields=["gateway", "nonce"])]


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("退款中")
        SUCCEEDED = "succeeded", _("已退款")
        FAILED = "failed", _("退款失败")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    #: idempotency key of this refund, also sent to the gateway (商户退款单号)
    out_refund_no = models.CharField(max_length=64, unique=True)
    amount_fen = models.BigIntegerField()
    #: the part of amount_fen that gives back shipping (the rest is in `lines`)
    shipping_fen = models.BigIntegerField(default=0)
    #: [{"line": order_line_id, "quantity": n, "amount_fen": x}, …]
    lines = models.JSONField(default=list)
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    gateway_refund_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(name="refund_amount_positive", condition=models.Q(amount_fen__gt=0))]


class SandboxTrade(models.Model):
    """The sandbox gateway's own side of a payment: what a real gateway keeps on its servers."""

    class Status(models.TextChoices):
        CREATED = "created", _("待支付")
        PAID = "paid", _("已支付")

    out_trade_no = models.CharField(max_length=64, unique=True)
    amount_fen = models.BigIntegerField()
    description = models.CharField(max_length=128)
    notify_url = models.CharField(max_length=200)
    return_url = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    transaction_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    notify_id = models.CharField(max_length=64, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    notify_attempts = models.PositiveIntegerField(default=0)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)


class SandboxRefund(models.Model):
    trade = models.ForeignKey(SandboxTrade, on_delete=models.PROTECT, related_name="refunds")
    out_refund_no = models.CharField(max_length=64, unique=True)
    refund_id = models.CharField(max_length=64, unique=True)
    amount_fen = models.BigIntegerField()
    created_at = models.DateTimeField(default=clock.now)
