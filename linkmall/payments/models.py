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

    class Meta:
        indexes = [models.Index(fields=["gateway", "notify_id"])]


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
    #: [{"line": order_line_id, "quantity": n, "amount_fen": x}, …]
    lines = models.JSONField(default=list)
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    gateway_refund_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(name="refund_amount_positive", condition=models.Q(amount_fen__gt=0))]
