"""A shop for campaign tests: a merchant and its owner selling two products (cost 50.00, price
99.00), a consumer, and builders that write promotions and coupon templates directly."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from linkmall import testing
from linkmall.accounts.models import User
from linkmall.campaigns.models import CouponTemplate, Promotion
from linkmall.catalog.models import Category, Product
from linkmall.core import clock
from linkmall.customers.models import Purchase
from linkmall.stores.models import Listing, Merchant

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@dataclass
class Shop:
    merchant: Merchant
    owner: User
    buyer: User
    category: Category
    products: list[Product]
    listings: list[Listing]


def make_shop(*, price_fen: int = 9900, cost_fen: int = 5000) -> Shop:
    merchant = testing.make_merchant()
    supplier = testing.make_supplier()
    category = testing.make_category()
    products, listings = [], []
    for _ in range(2):
        product = testing.make_product(supplier, category=category, cost_fen=cost_fen, price_fen=price_fen)
        products.append(product)
        listings.append(testing.make_listing(merchant, product.skus.get(), price_fen=price_fen))
    return Shop(merchant=merchant, owner=testing.make_merchant_owner(merchant), buyer=testing.make_consumer(),
                category=category, products=products, listings=listings)


def make_template(merchant: Merchant, **fields) -> CouponTemplate:
    """An active template of 5.00 off, no threshold, valid 7 days after the claim, 100 of them, one each."""
    values = {"name": "无门槛5元券", "kind": "amount", "value": Decimal(500), "total": 100, "per_user_limit": 1,
              "valid_days": 7, "sources": ["claim"], "status": "active"}
    values.update(fields)
    if values.get("valid_from") is not None:
        values["valid_days"] = None
    return CouponTemplate.objects.create(merchant=merchant, **values)


def make_promotion(merchant: Merchant, **fields) -> Promotion:
    """An active promotion of 满100减10, started a day ago, open-ended."""
    values = {"name": "满100减10", "kind": "amount", "value": Decimal(1000), "threshold_fen": 10000,
              "status": "active", "starts_at": clock.now() - timedelta(days=1)}
    values.update(fields)
    return Promotion.objects.create(merchant=merchant, **values)


def make_returning(merchant: Merchant, user: User | None = None) -> User:
    """A consumer (`user`, else a new one) with a paid order at the merchant, as the customers app
    records it: no longer a new customer there."""
    buyer = user or testing.make_consumer()
    Purchase.objects.create(merchant=merchant, user=buyer, source="mall", reference=f"LM{buyer.pk}",
                            amount_fen=9900, occurred_at=clock.now())
    return buyer
