"""After-sales requests per order line, with the platform guarantee (售后兜底) and an audit trail."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from linkmall.accounts.models import User
from linkmall.core import clock
from linkmall.orders.models import Order, OrderLine
from linkmall.payments.models import Refund


class AfterSaleRequest(models.Model):
    class Kind(models.TextChoices):
        REFUND_ONLY = "refund_only", _("仅退款")
        RETURN_REFUND = "return_refund", _("退货退款")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待处理")
        AWAITING_RETURN = "awaiting_return", _("待退货")
        RETURN_SHIPPED = "return_shipped", _("退货中")
        REFUNDED = "refunded", _("已退款")
        REJECTED = "rejected", _("已拒绝")
        WITHDRAWN = "withdrawn", _("已撤销")
        #: the consumer did not ship the return before its deadline
        CLOSED = "closed", _("已关闭")

    #: states somebody still has to act on; their quantity is reserved against the line
    OPEN_STATUSES = (Status.REQUESTED, Status.AWAITING_RETURN, Status.RETURN_SHIPPED)

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="aftersales")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="aftersales")
    requester = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    quantity = models.PositiveIntegerField()
    amount_fen = models.BigIntegerField()
    reason = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    #: when the supplier or merchant must have answered; after it the platform decides
    respond_by = models.DateTimeField()
    return_carrier = models.CharField(max_length=50, blank=True)
    return_tracking_number = models.CharField(max_length=64, blank=True)
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.CheckConstraint(name="aftersale_quantity_positive", condition=models.Q(quantity__gt=0)),
            models.CheckConstraint(name="aftersale_amount_positive", condition=models.Q(amount_fen__gt=0)),
        ]
        indexes = [
            models.Index(fields=["requester", "created_at"]),
            models.Index(fields=["status", "respond_by"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class AfterSalePhoto(models.Model):
    request = models.ForeignKey(AfterSaleRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="aftersales/%Y/%m/")


class AfterSaleEvent(models.Model):
    """Append-only audit trail: who did what to a request, when."""

    request = models.ForeignKey(AfterSaleRequest, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    #: "consumer", "supplier", "merchant", "platform" or "system" (the guarantee's timer)
    actor_role = models.CharField(max_length=16)
    action = models.CharField(max_length=32)
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "id"]
