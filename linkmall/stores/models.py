"""Merchants (B), their stores and guides, and listings (选品) of supplier SKUs."""

from django.db import models

from linkmall.accounts.models import Tenant, User
from linkmall.catalog.models import Product, Sku
from linkmall.core import clock
from linkmall.stores.pricing import listing_price_allowed


class Merchant(models.Model):
    tenant = models.OneToOneField(Tenant, primary_key=True, on_delete=models.PROTECT, related_name="merchant")
    name = models.CharField(max_length=100)
    contact_phone = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.name


class Store(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="stores")
    name = models.CharField(max_length=100)
    city = models.CharField(max_length=50)
    address = models.CharField(max_length=200)
    #: GCJ-02 coordinates, as Chinese map services use
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    phone = models.CharField(max_length=20, blank=True)
    opening_hours = models.CharField(max_length=50, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        # "stores near me" (stores.selectors.stores_nearby) reads a latitude/longitude box
        indexes = [models.Index(fields=["latitude", "longitude"], name="store_location")]

    def __str__(self) -> str:
        return self.name


class Guide(models.Model):
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="guide")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="guides")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="guides")
    title = models.CharField(max_length=50, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    wechat = models.CharField(max_length=50, blank=True)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return str(self.user)


class Listing(models.Model):
    """A merchant's pick of a supplier SKU, at the merchant's own retail price (never below cost)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="listings")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="listings")
    # denormalized from sku so a store page groups listings by product without a join
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="listings")
    price_fen = models.BigIntegerField()
    #: per-unit commission pool that referral rewards are taken from
    pool_fen = models.BigIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    #: 新品抢先: until then only the merchant's core customers see and buy it (customers.early_access)
    early_access_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "sku"], name="listing_unique_per_merchant_sku"),
            models.CheckConstraint(name="listing_price_positive", condition=models.Q(price_fen__gt=0)),
            models.CheckConstraint(name="listing_pool_not_negative", condition=models.Q(pool_fen__gte=0)),
            models.CheckConstraint(
                name="listing_pool_within_price", condition=models.Q(pool_fen__lte=models.F("price_fen"))
            ),
        ]

    @property
    def below_cost(self) -> bool:
        """The supplier raised the SKU's cost above this price since it was set: not sold until repriced."""
        return not listing_price_allowed(price_fen=self.price_fen, cost_fen=self.sku.cost_fen)
