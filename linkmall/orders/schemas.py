from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from linkmall.core.money import fen_to_yuan
from linkmall.core.paging import PageOut
from linkmall.orders.models import CartLine, Order


class CartAddIn(Schema):
    listing_id: int
    quantity: int = Field(1, ge=1, le=999)


class CartQuantityIn(Schema):
    quantity: int = Field(ge=1, le=999)


class CartLineOut(Schema):
    id: int
    listing_id: int
    merchant_id: int = Field(alias="listing.merchant_id")
    merchant_name: str = Field(alias="listing.merchant.name")
    product_name: str = Field(alias="listing.product.name")
    spec: dict[str, Any] = Field(alias="listing.sku.spec")
    unit_price_fen: int = Field(alias="listing.price_fen")
    unit_price: str
    quantity: int
    available: bool

    @staticmethod
    def resolve_unit_price(obj: CartLine) -> str:
        return fen_to_yuan(obj.listing.price_fen)

    @staticmethod
    def resolve_available(obj: CartLine) -> bool:
        listing = obj.listing
        return listing.is_active and listing.sku.is_active and listing.product.status == "active"


class OrderLineIn(Schema):
    listing_id: int
    quantity: int = Field(ge=1, le=999)


class OrderPlaceIn(Schema):
    merchant_id: int
    lines: list[OrderLineIn] = Field(min_length=1, max_length=50)
    address_id: int
    client_token: str = Field(min_length=1, max_length=64)
    store_id: int | None = None
    guide_id: int | None = None
    note: str = Field("", max_length=200)


class CartCheckoutIn(Schema):
    merchant_id: int
    address_id: int
    client_token: str = Field(min_length=1, max_length=64)
    store_id: int | None = None
    guide_id: int | None = None
    note: str = Field("", max_length=200)


class OrderLineOut(Schema):
    id: int
    listing_id: int
    sku_id: int
    supplier_id: int
    fulfilment_id: int
    product_name: str
    spec_text: str
    unit_price_fen: int
    quantity: int
    refunded_quantity: int
    refunded_fen: int
    line_total_fen: int


class FulfilmentOut(Schema):
    id: int
    supplier_id: int
    status: str
    carrier: str
    tracking_number: str
    shipped_at: datetime | None
    received_at: datetime | None


class OrderOut(Schema):
    id: int
    number: str
    status: str
    status_label: str
    merchant_id: int
    store_id: int | None
    guide_id: int | None
    address: dict[str, Any]
    note: str
    goods_fen: int
    shipping_fen: int
    total_fen: int
    total: str
    refunded_fen: int
    placed_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    #: reverse relations: ninja's getter lists a related manager itself
    lines: list[OrderLineOut]
    fulfilments: list[FulfilmentOut]

    @staticmethod
    def resolve_status_label(obj: Order) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_total(obj: Order) -> str:
        return fen_to_yuan(obj.total_fen)


class OrderPage(PageOut[OrderOut]):
    pass


class SupplierLineOut(Schema):
    id: int
    product_name: str
    spec_text: str
    sku_id: int
    quantity: int
    refunded_quantity: int
    unit_cost_fen: int


class SupplierFulfilmentOut(Schema):
    """What a supplier sees of an order: what to ship and where — never the retail prices."""

    id: int
    order_number: str = Field(alias="order.number")
    status: str
    address: dict[str, Any] = Field(alias="order.address")
    note: str = Field(alias="order.note")
    paid_at: datetime | None = Field(alias="order.paid_at")
    carrier: str
    tracking_number: str
    shipped_at: datetime | None
    #: a reverse relation: ninja's getter lists a related manager itself
    lines: list[SupplierLineOut]


class FulfilmentPage(PageOut[SupplierFulfilmentOut]):
    pass


class ShipIn(Schema):
    carrier: str = Field(min_length=1, max_length=10)
    tracking_number: str = Field(min_length=1, max_length=64)
