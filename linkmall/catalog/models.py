"""Suppliers (S), their products and SKUs, and the stock they hold for drop-ship."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from linkmall.accounts.models import Tenant, User
from linkmall.core import clock


class Supplier(models.Model):
    # The supplier *is* a tenant: its pk equals the tenant's, so scoping is supplier_id == tenant_id.
    tenant = models.OneToOneField(Tenant, primary_key=True, on_delete=models.PROTECT, related_name="supplier")
    name = models.CharField(max_length=100)
    contact_phone = models.CharField(max_length=20, blank=True)
    return_address = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    name = models.CharField(max_length=50)
    slug = models.SlugField(max_length=50, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("在售")
        ARCHIVED = "archived", _("已下架")

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=120)
    subtitle = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    #: the option names of this product's SKUs, in display order, e.g. ["颜色", "尺码"]
    spec_names = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["supplier", "status"])]

    def __str__(self) -> str:
        return self.name


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/%Y/%m/")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class Sku(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="skus")
    # denormalized from product so tenancy checks and stock queries need no join
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="skus")
    code = models.CharField(max_length=64)
    #: option values keyed by the product's spec names, e.g. {"颜色": "红", "尺码": "M"}
    spec = models.JSONField(default=dict, blank=True)
    cost_fen = models.BigIntegerField()
    suggested_price_fen = models.BigIntegerField()
    #: units the supplier can still sell; placing an order takes from it with a guarded UPDATE
    stock = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supplier", "code"], name="sku_code_unique_per_supplier"),
            models.CheckConstraint(name="sku_stock_not_negative", condition=models.Q(stock__gte=0)),
            models.CheckConstraint(name="sku_cost_not_negative", condition=models.Q(cost_fen__gte=0)),
            models.CheckConstraint(
                name="sku_suggested_price_positive", condition=models.Q(suggested_price_fen__gt=0)
            ),
        ]

    def __str__(self) -> str:
        spec = " ".join(str(v) for v in self.spec.values())
        return f"{self.product.name} {spec}".strip()


class ImportJob(models.Model):
    """A catalog import from CSV or Excel. Progress and a per-row error report are kept here."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    #: [{"row": 7, "errors": {"cost": "…"}}, …]
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True, blank=True)
