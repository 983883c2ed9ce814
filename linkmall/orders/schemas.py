from datetime import datetime

from ninja import Schema
from pydantic import Field

from linkmall.core.money import fen_to_yuan


class CartAddIn(Schema):
    listing_id: int
    quantity: int = Field(1, ge=1, le=999)


class CartQuantityIn(Schema):
    quantity: int = Field(ge=1, le=999)


class CartLineOut(Schema):
    id: int
    listing_id: int
    merchant_id: int
    merchant_name: str
    product_name: str
    spec: dict
    unit_price_fen: int
    unit_price: str
    quantity: int
    available: bool

    @staticmethod
    def resolve_merchant_id(obj) -> int:
        return obj.listing.merchant_id

    @staticmethod
    def resolve_merchant_name(obj) -> str:
        return obj.listing.merchant.name

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.listing.product.name

    @staticmethod
    def resolve_spec(obj) -> dict:
        return obj.listing.sku.spec

    @staticmethod
    def resolve_unit_price_fen(obj) -> int:
        return obj.listing.price_fen

    @staticmethod
    def resolve_unit_price(obj) -> str:
        return fen_to_yuan(obj.listing.price_fen)

    @staticmethod
    def resolve_available(obj) -> bool:
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
    address: dict
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
    lines: list[OrderLineOut]
    fulfilments: list[FulfilmentOut]

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_total(obj) -> str:
        return fen_to_yuan(obj.total_fen)

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_fulfilments(obj) -> list:
        return list(obj.fulfilments.all())


class OrderPage(Schema):
    items: list[OrderOut]
    page: int
    page_size: int
    total: int
    has_next: bool


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
    order_number: str
    status: str
    address: dict
    note: str
    paid_at: datetime | None
    carrier: str
    tracking_number: str
    shipped_at: datetime | None
    lines: list[SupplierLineOut]

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.number

    @staticmethod
    def resolve_address(obj) -> dict:
        return obj.order.address

    @staticmethod
    def resolve_note(obj) -> str:
        return obj.order.note

    @staticmethod
    def resolve_paid_at(obj):
        return obj.order.paid_at

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class FulfilmentPage(Schema):
    items: list[SupplierFulfilmentOut]
    page: int
    page_size: int
    total: int
    has_next: bool


class ShipIn(Schema):
    carrier: str = Field(min_length=1, max_length=10)
    tracking_number: str = Field(min_length=1, max_length=64)
