"""Schemas of /api/v1/cards (the card, the card holder, the nearest store, bookings)."""

from datetime import date, datetime

from ninja import Field, Schema


class StoreBrief(Schema):
    id: int
    name: str
    city: str
    address: str
    latitude: float  # GCJ-02
    longitude: float
    phone: str
    opening_hours: str


class ProductBrief(Schema):
    id: int
    name: str
    price_fen: int
    image_url: str
    url: str


class PromotionOut(Schema):
    id: int
    title: str
    detail: str
    starts_at: datetime
    ends_at: datetime


class CardShareOut(Schema):
    link: str
    qr_link: str
    poster_link: str
    qr_png_url: str
    poster_png_url: str


class CardOut(Schema):
    guide_id: int
    name: str
    title: str
    headline: str
    bio: str
    photo_url: str
    phone: str
    wechat: str
    merchant_id: int
    merchant_name: str
    store: StoreBrief
    featured: list[ProductBrief]
    recommended: list[ProductBrief]
    promotions: list[PromotionOut]
    share: CardShareOut
    vcard_url: str
    is_held: bool


class HoldingOut(Schema):
    guide_id: int
    name: str
    title: str
    store_name: str
    photo_url: str
    card_url: str
    saved_at: datetime


class NearestOut(Schema):
    store: StoreBrief
    distance_m: int
    guide_id: int | None
    card_url: str | None
    store_url: str


class SlotOut(Schema):
    starts_at: datetime
    free: int


class DayOut(Schema):
    day: date
    slots: list[SlotOut]


class BookIn(Schema):
    store: int = Field(gt=0, lt=2**31)
    starts_at: datetime
    guide: int | None = Field(default=None, gt=0, lt=2**31)
    note: str = Field(default="", max_length=200)


class AppointmentOut(Schema):
    id: int
    store: StoreBrief
    guide_id: int | None
    starts_at: datetime
    status: str
    note: str
    customer_name: str
    customer_phone: str
