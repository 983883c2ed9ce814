"""Admin for platform staff. Payment records are evidence: read-only here."""


from django.contrib import admin

from linkmall.core.admin import ReadOnlyAdmin
from linkmall.payments.models import Payment, PaymentNotification, Refund, SandboxRefund, SandboxTrade


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin[Payment]):
    list_display = ("out_trade_no", "order", "gateway", "amount_fen", "status", "transaction_id", "paid_at")
    list_filter = ("gateway", "status")
    search_fields = ("out_trade_no", "transaction_id", "order__number")


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(ReadOnlyAdmin[PaymentNotification]):
    list_display = ("id", "gateway", "notify_id", "outcome", "payment", "received_at")
    list_filter = ("gateway", "outcome")
    search_fields = ("notify_id", "nonce")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin[Refund]):
    list_display = ("out_refund_no", "order", "amount_fen", "status", "gateway_refund_id", "created_at")
    list_filter = ("status",)
    search_fields = ("out_refund_no", "order__number", "gateway_refund_id")


@admin.register(SandboxTrade)
class SandboxTradeAdmin(ReadOnlyAdmin[SandboxTrade]):
    list_display = ("out_trade_no", "amount_fen", "status", "transaction_id", "notify_attempts", "acknowledged_at")


@admin.register(SandboxRefund)
class SandboxRefundAdmin(ReadOnlyAdmin[SandboxRefund]):
    list_display = ("out_refund_no", "trade", "amount_fen", "refund_id", "created_at")
