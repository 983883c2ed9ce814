"""A small shop for order tests: one merchant selling SKUs of two suppliers, and a buyer."""

from dataclasses import dataclass, field

from linkmall import testing
from linkmall.accounts.models import User
from linkmall.catalog.models import Sku, Supplier
from linkmall.customers.models import Address
from linkmall.stores.models import Listing, Merchant


@dataclass
class Shop:
    merchant: Merchant
    suppliers: list[Supplier]
    skus: list[Sku]
    listings: list[Listing]
    buyer: User
    address: Address
    extra: dict = field(default_factory=dict)


def make_shop(
    *,
    skus_per_supplier: int = 2,
    suppliers: int = 2,
    stock: int = 100,
    price_fen: int = 9900,
    cost_fen: int = 5000,
    pool_fen: int = 1000,
) -> Shop:
    merchant = testing.make_merchant()
    supplier_list, sku_list, listing_list = [], [], []
    for _ in range(suppliers):
        supplier = testing.make_supplier()
        supplier_list.append(supplier)
        product = testing.make_product(
            supplier, skus=skus_per_supplier, stock=stock, price_fen=price_fen, cost_fen=cost_fen
        )
        for sku in product.skus.order_by("pk"):
            sku_list.append(sku)
            listing_list.append(testing.make_listing(merchant, sku, price_fen=price_fen, pool_fen=pool_fen))
    buyer = testing.make_consumer()
    return Shop(
        merchant=merchant,
        suppliers=supplier_list,
        skus=sku_list,
        listings=listing_list,
        buyer=buyer,
        address=testing.make_address(buyer),
    )


def stock_of(sku: Sku) -> int:
    return Sku.objects.values_list("stock", flat=True).get(pk=sku.pk)


def place(shop: Shop, lines=None, *, token: str = "t-1", **kwargs):
    from linkmall.orders.services import order_place

    if lines is None:
        lines = [(shop.listings[0].pk, 1)]
    return order_place(
        buyer=kwargs.pop("buyer", shop.buyer),
        merchant=shop.merchant,
        lines=lines,
        address=kwargs.pop("address", shop.address),
        client_token=token,
        **kwargs,
    )
