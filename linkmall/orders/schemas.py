import builtins
from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field, field_validator

from linkmall.core.money import fen_to_yuan
from linkmall.core.paging import PageOut
from linkmall.orders.models import CartLine, Fulfilment, Order


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


#: the most points one checkout can name (a larger number is refused before any lookup)
MAX_POINTS = 10**12


class OrderPlaceIn(Schema):
    merchant_id: int
    lines: list[OrderLineIn] = Field(min_length=1, max_length=50)
    #: optional for a pick-up order (the store's address is used, with the buyer's name and phone)
    address_id: int | None = None
    client_token: str = Field(min_length=1, max_length=64)
    store_id: int | None = None
    guide_id: int | None = None
    note: str = Field("", max_length=200)
    #: one of the buyer's coupons of this merchant (docs/specs/campaigns.md §1 step 5)
    coupon_id: int | None = Field(None, ge=1, le=2**63 - 1)
    #: points to spend: 100 points = 1.00, at most half of what is left after the coupon
    points: int = Field(0, ge=0, le=MAX_POINTS)
    #: "delivery" (default) or "pickup" (到店自提 at `pickup_store_id`, one of the merchant's stores)
    fulfilment_mode: Literal["delivery", "pickup"] = "delivery"
    pickup_store_id: int | None = Field(None, ge=1, le=2**31 - 1)


class CartCheckoutIn(Schema):
    merchant_id: int
    #: optional for a pick-up order (the store's address is used, with the buyer's name and phone)
    address_id: int | None = None
    client_token: str = Field(min_length=1, max_length=64)
    store_id: int | None = None
    guide_id: int | None = None
    note: str = Field("", max_length=200)
    coupon_id: int | None = Field(None, ge=1, le=2**63 - 1)
    points: int = Field(0, ge=0, le=MAX_POINTS)
    #: "delivery" (default) or "pickup" (到店自提 at `pickup_store_id`, one of the merchant's stores)
    fulfilment_mode: Literal["delivery", "pickup"] = "delivery"
    pickup_store_id: int | None = Field(None, ge=1, le=2**31 - 1)


def _yuan(value: object) -> str:
    return fen_to_yuan(value if isinstance(value, int) else 0)


class QuoteIn(Schema):
    merchant_id: int
    lines: list[OrderLineIn] = Field(min_length=1, max_length=50)
    coupon_id: int | None = Field(None, ge=1, le=2**63 - 1)
    points: int = Field(0, ge=0, le=MAX_POINTS)
    #: without a coupon_id: price with the usable coupon that takes most off
    best_coupon: bool = False


class QuoteLineOut(Schema):
    listing_id: int = Field(alias="key")
    quantity: int
    list: str = Field(alias="list_fen")
    activity: str = Field(alias="activity_fen")
    level: str = Field(alias="level_fen")
    promotion: str = Field(alias="promotion_fen")
    coupon: str = Field(alias="coupon_fen")
    points_used: int
    points: str = Field(alias="points_fen")
    paid: str = Field(alias="paid_fen")

    @field_validator("list", "activity", "level", "promotion", "coupon", "points", "paid", mode="before")
    @classmethod
    def _to_yuan(cls, value: object) -> str:
        return _yuan(value)


class QuoteCouponOut(Schema):
    id: int
    name: str
    valid_until: datetime
    #: what it would take off this order; "0.00" when it does not apply
    discount: str


class QuoteOut(Schema):
    """The price of a checkout before it is placed (docs/specs/campaigns.md §1), in yuan."""

    list: str
    discount: str
    paid: str
    promotion_id: int | None
    coupon_id: int | None
    points_used: int
    points_held: int
    points_max: int
    lines: builtins.list[QuoteLineOut]
    coupons: builtins.list[QuoteCouponOut]


class OrderLineOut(Schema):
    """A line and its price step by step (docs/specs/campaigns.md §1), amounts in yuan strings:
    list → activity → level → promotion → coupon → points → paid."""

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
    #: what the line cost the buyer (paid), in fen
    line_total_fen: int
    list: str = Field(alias="list_fen")
    activity: str = Field(alias="activity_fen")
    level: str = Field(alias="level_fen")
    promotion: str = Field(alias="promotion_fen")
    promotion_funder: str
    coupon: str = Field(alias="coupon_fen")
    coupon_funder: str
    points_used: int
    points: str = Field(alias="points_fen")
    paid: str = Field(alias="paid_fen")
    refunded: str = Field(alias="refunded_fen")

    @field_validator("list", "activity", "level", "promotion", "coupon", "points", "paid", "refunded",
                     mode="before")
    @classmethod
    def _to_yuan(cls, value: object) -> str:
        return _yuan(value)


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
    #: the goods at list prices, every discount, and what the goods cost after them (yuan)
    list: str = Field(alias="list_fen")
    discount: str = Field(alias="discount_fen")
    points_used: int
    coupon_id: int | None
    promotion_id: int | None
    goods_fen: int
    goods: str = Field(alias="goods_fen")
    shipping_fen: int
    total_fen: int
    total: str
    refunded_fen: int
    placed_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    #: 到店自提 (docs/o2o.md): the store, whether the parcel is there (待自提), and the pick-up code,
    #: shown only once the store has the parcel and until it is collected
    fulfilment_mode: str
    pickup_store_id: int | None
    pickup_ready: bool = False
    pickup_code: str | None = None
    store_received_at: datetime | None
    pickup_reminded_at: datetime | None
    picked_up_at: datetime | None
    #: reverse relations: ninja's getter lists a related manager itself
    lines: builtins.list[OrderLineOut]
    fulfilments: builtins.list[FulfilmentOut]

    @staticmethod
    def resolve_status_label(obj: Order) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_total(obj: Order) -> str:
        return fen_to_yuan(obj.total_fen)

    @staticmethod
    def resolve_pickup_ready(obj: Order) -> bool:
        return obj.pickup_ready

    @staticmethod
    def resolve_pickup_code(obj: Order) -> str | None:
        return obj.pickup_code if obj.pickup_ready else None

    @field_validator("list", "discount", "goods", mode="before")
    @classmethod
    def _to_yuan(cls, value: object) -> str:
        return _yuan(value)


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
    #: 到店自提: ship to this store of the merchant (its address is `address`); None for delivery
    ship_to_store: str | None = None
    note: str = Field(alias="order.note")
    paid_at: datetime | None = Field(alias="order.paid_at")
    carrier: str
    tracking_number: str
    shipped_at: datetime | None
    #: a reverse relation: ninja's getter lists a related manager itself
    lines: list[SupplierLineOut]


    @staticmethod
    def resolve_ship_to_store(obj: Fulfilment) -> str | None:
        name = obj.order.address.get("pickup_store") if isinstance(obj.order.address, dict) else None
        return str(name) if name else None


class FulfilmentPage(PageOut[SupplierFulfilmentOut]):
    pass


class ShipIn(Schema):
    carrier: str = Field(min_length=1, max_length=10)
    tracking_number: str = Field(min_length=1, max_length=64)
