"""The JSON of /api/v1/campaigns. Amounts are integer fen (`*_fen`); `value` is fen off for an
amount and percent off for a percent, as a decimal string; `label` says it in words (满299减50)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from linkmall.campaigns.models import Coupon, CouponTemplate, Promotion
from linkmall.campaigns.offers import promotion_label, template_label
from linkmall.campaigns.selectors import Claimable, wallet_state
from linkmall.catalog.services.validation import MAX_PRICE_FEN
from linkmall.core.paging import PageOut

KindIn = Literal["amount", "percent"]
ScopeIn = Literal["all", "categories", "products"]
FunderIn = Literal["merchant", "platform"]
SourceIn = Literal["claim", "new_customer", "guide", "layer", "invite", "share"]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Fen = Annotated[int, Field(ge=0, le=MAX_PRICE_FEN)]
PositiveFen = Annotated[int, Field(ge=1, le=MAX_PRICE_FEN)]
Value = Annotated[Decimal, Field(gt=0, le=MAX_PRICE_FEN, max_digits=14, decimal_places=2)]
Name = Annotated[str, Field(min_length=1, max_length=60)]


class MerchantQuery(Schema):
    """Platform staff name the merchant; a merchant owner works on their own."""

    merchant_id: Id | None = None


def decimal_text(value: Decimal) -> str:
    """Decimal("5000.00") → "5000", Decimal("12.50") → "12.5"."""
    return format(value.normalize(), "f")


def _claim_only() -> list[SourceIn]:
    return ["claim"]


# --- promotions -------------------------------------------------------------------------------------


class StorePromotionIn(Schema):
    #: platform staff name the merchant; a merchant owner works on their own
    merchant_id: Id | None = None
    name: Name
    kind: KindIn
    value: Value
    threshold_fen: Fen = 0
    threshold_quantity: int = Field(0, ge=0, le=10_000)
    max_discount_fen: PositiveFen | None = None
    new_customers_only: bool = False
    scope_kind: ScopeIn = "all"
    scope_ids: list[Id] = Field(default_factory=list, max_length=200)
    stacks_with_activity: bool = False
    funder: FunderIn = "merchant"
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    #: create it even though it could sell a listing below cost
    accept_loss: bool = False


class StorePromotionPatch(Schema):
    name: Name | None = None
    kind: KindIn | None = None
    value: Value | None = None
    threshold_fen: Fen | None = None
    threshold_quantity: int | None = Field(None, ge=0, le=10_000)
    max_discount_fen: PositiveFen | None = None
    new_customers_only: bool | None = None
    scope_kind: ScopeIn | None = None
    scope_ids: list[Id] | None = Field(None, max_length=200)
    stacks_with_activity: bool | None = None
    funder: FunderIn | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    accept_loss: bool = False


class CampaignStatusIn(Schema):
    status: Literal["active", "paused", "ended"]


class StorePromotionOut(Schema):
    id: int
    merchant_id: int
    name: str
    kind: str
    value: str
    label: str
    threshold_fen: int
    threshold_quantity: int
    max_discount_fen: int | None
    new_customers_only: bool
    scope_kind: str
    scope_ids: list[int]
    stacks_with_activity: bool
    funder: str
    starts_at: datetime
    ends_at: datetime | None
    status: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_value(obj: Promotion) -> str:
        return decimal_text(obj.value)

    @staticmethod
    def resolve_label(obj: Promotion) -> str:
        return promotion_label(obj)


class StorePromotionPage(PageOut[StorePromotionOut]):
    pass


# --- coupon templates -------------------------------------------------------------------------------


class CouponTemplateIn(Schema):
    merchant_id: Id | None = None
    name: Name
    kind: KindIn
    value: Value
    threshold_fen: Fen = 0
    max_discount_fen: PositiveFen | None = None
    scope_kind: ScopeIn = "all"
    scope_ids: list[Id] = Field(default_factory=list, max_length=200)
    stacks_with_activity: bool = False
    funder: FunderIn = "merchant"
    #: a fixed window, or `valid_days` after the claim
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: int | None = Field(None, ge=1, le=3650)
    claim_starts_at: datetime | None = None
    claim_ends_at: datetime | None = None
    total: int = Field(ge=1, le=10_000_000)
    per_user_limit: int = Field(1, ge=1, le=100)
    sources: list[SourceIn] = Field(default_factory=_claim_only, min_length=1, max_length=6)
    #: 到店核销券: redeemed in a store with its code, never used at online checkout
    in_store: bool = False
    #: 地理围栏券: only visitors within `geofence_radius_m` (100–50,000) metres of this store of the
    #: merchant may claim it, sending their location; both or neither
    geofence_store_id: Id | None = None
    geofence_radius_m: int | None = Field(None, ge=1, le=10_000_000)
    accept_loss: bool = False


class CouponTemplatePatch(Schema):
    name: Name | None = None
    kind: KindIn | None = None
    value: Value | None = None
    threshold_fen: Fen | None = None
    max_discount_fen: PositiveFen | None = None
    scope_kind: ScopeIn | None = None
    scope_ids: list[Id] | None = Field(None, max_length=200)
    stacks_with_activity: bool | None = None
    funder: FunderIn | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: int | None = Field(None, ge=1, le=3650)
    claim_starts_at: datetime | None = None
    claim_ends_at: datetime | None = None
    total: int | None = Field(None, ge=1, le=10_000_000)
    per_user_limit: int | None = Field(None, ge=1, le=100)
    sources: list[SourceIn] | None = Field(None, min_length=1, max_length=6)
    #: in draft only, like every term (null clears the geofence, with its radius)
    geofence_store_id: Id | None = None
    geofence_radius_m: int | None = Field(None, ge=1, le=10_000_000)
    accept_loss: bool = False


class CouponTemplateOut(Schema):
    id: int
    merchant_id: int
    name: str
    kind: str
    value: str
    label: str
    threshold_fen: int
    max_discount_fen: int | None
    scope_kind: str
    scope_ids: list[int]
    stacks_with_activity: bool
    funder: str
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    claim_starts_at: datetime | None
    claim_ends_at: datetime | None
    total: int
    issued: int
    per_user_limit: int
    sources: list[str]
    in_store: bool
    geofence_store_id: int | None
    geofence_radius_m: int | None
    status: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_value(obj: CouponTemplate) -> str:
        return decimal_text(obj.value)

    @staticmethod
    def resolve_label(obj: CouponTemplate) -> str:
        return template_label(obj)


class CouponTemplatePage(PageOut[CouponTemplateOut]):
    pass


# --- the claim centre and the wallet ---------------------------------------------------------------


class ClaimableOut(Schema):
    id: int = Field(alias="template.pk")
    merchant_id: int = Field(alias="template.merchant_id")
    name: str = Field(alias="template.name")
    label: str
    kind: str = Field(alias="template.kind")
    threshold_fen: int = Field(alias="template.threshold_fen")
    scope_kind: str = Field(alias="template.scope_kind")
    valid_from: datetime | None = Field(alias="template.valid_from")
    valid_until: datetime | None = Field(alias="template.valid_until")
    valid_days: int | None = Field(alias="template.valid_days")
    claim_starts_at: datetime | None = Field(alias="template.claim_starts_at")
    remaining: int = Field(alias="template.remaining")
    per_user_limit: int = Field(alias="template.per_user_limit")
    #: 地理围栏券: a claim needs the caller's location within this radius of this store
    geofence_store_id: int | None = Field(alias="template.geofence_store_id")
    geofence_radius_m: int | None = Field(alias="template.geofence_radius_m")
    #: how many the caller holds (0 for a visitor)
    claimed: int
    #: open, sold_out, limit_reached, not_started or not_new_customer (a new-customer-only coupon
    #: of a caller who has bought at the merchant)
    state: str
    #: the source a claim takes: claim, or new_customer for a new-customer-only coupon (新人专享)
    source: str

    @staticmethod
    def resolve_label(obj: Claimable) -> str:
        return template_label(obj.template)


class ClaimIn(Schema):
    #: the same key again returns the same coupon (a retried tap)
    key: str | None = Field(None, min_length=1, max_length=100)
    #: the caller's location, needed for a geofenced coupon (地理围栏券): GCJ-02 by default (WeChat's
    #: wx.getLocation type gcj02, Chinese maps), or WGS-84 (GPS, a browser) with coord=wgs84
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    coord: str = Field("gcj02", pattern="^(gcj02|wgs84)$")


class CouponOut(Schema):
    id: int
    template_id: int
    merchant_id: int
    merchant_name: str = Field(alias="merchant.name")
    name: str = Field(alias="template.name")
    label: str
    kind: str = Field(alias="template.kind")
    threshold_fen: int = Field(alias="template.threshold_fen")
    scope_kind: str = Field(alias="template.scope_kind")
    status: str
    #: usable, not_started, used or expired, as the wallet shows it
    state: str
    source: str
    claimed_at: datetime
    valid_from: datetime
    valid_until: datetime
    used_at: datetime | None
    #: 到店核销券: shown in a store (code and QR), never used at online checkout
    in_store: bool = Field(alias="template.in_store")
    #: an in-store coupon's redemption code while it is usable; null otherwise
    code: str | None

    @staticmethod
    def resolve_code(obj: Coupon) -> str | None:
        return obj.code if obj.code and wallet_state(obj) in ("usable", "not_started") else None

    @staticmethod
    def resolve_label(obj: Coupon) -> str:
        return template_label(obj.template)

    @staticmethod
    def resolve_state(obj: Coupon) -> str:
        return wallet_state(obj)


class CouponPage(PageOut[CouponOut]):
    pass


class PointsAccountOut(Schema):
    merchant_id: int
    merchant_name: str = Field(alias="merchant.name")
    balance: int


class PointsEntryOut(Schema):
    id: int
    delta: int
    kind: str
    reason: str
    created_at: datetime
    expires_at: datetime | None


class PointsEntryPage(PageOut[PointsEntryOut]):
    pass
