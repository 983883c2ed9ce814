"""/api/v1/nearby: 附近门店与优惠 — the open stores nearest the caller with their distance and live
offers (coupons to claim, store promotions). Public; a logged-in consumer also sees what they hold
(docs/o2o.md "Nearby offers (LBS)")."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.models import Role, User
from linkmall.campaigns.schemas import decimal_text
from linkmall.campaigns.selectors.nearby import (
    NEARBY_LIMIT,
    NEARBY_MAX_LIMIT,
    NEARBY_MAX_RADIUS_M,
    NEARBY_RADIUS_M,
    NearbyCoupon,
    NearbyStoreOffers,
    nearby_offers,
)

router = Router(tags=["campaigns"])


class NearbyQuery(Schema):
    #: the caller's location; GCJ-02 unless coord=wgs84 (a browser's navigator.geolocation)
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    coord: str = Field("gcj02", pattern="^(gcj02|wgs84)$")
    merchant_id: int | None = Field(None, ge=1, le=2**31 - 1)
    radius_m: int = Field(NEARBY_RADIUS_M, ge=1, le=NEARBY_MAX_RADIUS_M)
    limit: int = Field(NEARBY_LIMIT, ge=1, le=NEARBY_MAX_LIMIT)


class NearbyCouponOut(Schema):
    id: int
    name: str
    label: str
    kind: str
    value: str
    threshold_fen: int
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    remaining: int
    per_user_limit: int
    #: 到店核销: used in a store with its code, never online
    in_store: bool
    #: 地理围栏券: claimable only within this many metres of `geofence_store_id`
    geofence_store_id: int | None
    geofence_radius_m: int | None
    #: whether the caller's point is inside the geofence; null without one
    inside: bool | None
    #: open, limit_reached or not_new_customer
    state: str
    #: the source a claim takes: claim, or new_customer (新人专享)
    source: str


class NearbyPromotionOut(Schema):
    id: int
    name: str
    #: 满减, 满折 or 新客立减
    tag: str
    label: str
    new_customers_only: bool
    ends_at: datetime | None


class NearbyStoreBrief(Schema):
    id: int
    merchant_id: int
    merchant_name: str
    name: str
    city: str
    address: str
    latitude: Decimal
    longitude: Decimal
    phone: str
    opening_hours: str


class NearbyStoreOffersOut(Schema):
    store: NearbyStoreBrief
    #: metres from the caller (great circle on GCJ-02)
    distance_m: int
    coupons: list[NearbyCouponOut]
    promotions: list[NearbyPromotionOut]


def _coupon(c: NearbyCoupon) -> dict[str, Any]:
    t = c.template
    return {"id": t.pk, "name": t.name, "label": c.label, "kind": t.kind, "value": decimal_text(t.value),
            "threshold_fen": t.threshold_fen, "valid_from": t.valid_from, "valid_until": t.valid_until,
            "valid_days": t.valid_days, "remaining": t.remaining, "per_user_limit": t.per_user_limit,
            "in_store": t.in_store, "geofence_store_id": t.geofence_store_id,
            "geofence_radius_m": t.geofence_radius_m, "inside": c.inside, "state": c.state, "source": c.source}


def _store_offers(row: NearbyStoreOffers) -> dict[str, Any]:
    """Plain values, built once: ninja's dotted aliases would walk ~200 offers attribute by attribute."""
    s = row.store
    return {
        "store": {"id": s.pk, "merchant_id": s.merchant_id, "merchant_name": s.merchant.name, "name": s.name,
                  "city": s.city, "address": s.address, "latitude": s.latitude, "longitude": s.longitude,
                  "phone": s.phone, "opening_hours": s.opening_hours},
        "distance_m": row.distance_m,
        "coupons": [_coupon(c) for c in row.coupons],
        "promotions": [{"id": p.promotion.pk, "name": p.promotion.name, "tag": p.tag, "label": p.label,
                        "new_customers_only": p.promotion.new_customers_only, "ends_at": p.promotion.ends_at}
                       for p in row.promotions],
    }


def _optional_consumer(request: HttpRequest) -> User | None:
    """The caller when they sent a valid token or session and are a consumer, else None."""
    if request.headers.get("Authorization") or request.user.is_authenticated:
        user = api_auth(request)
        if isinstance(user, User) and user.role == Role.CONSUMER:
            return user
    return None


@router.get("", response=list[NearbyStoreOffersOut])
def nearby(request: HttpRequest, query: Query[NearbyQuery]) -> list[dict[str, Any]]:
    """Open stores within `radius_m` of the caller (optionally one merchant's), nearest first, at most
    `limit`, each with `distance_m` and its live offers: the merchant's coupons to claim now
    (in-store ones marked `in_store`; a geofenced one under its store only, with `geofence_radius_m`
    and `inside`) and its running promotions. Bad coordinates or ranges: `invalid_input` (422)."""
    rows = nearby_offers(latitude=query.lat, longitude=query.lng, coord=query.coord,
                         merchant_id=query.merchant_id, radius_m=query.radius_m, limit=query.limit,
                         user=_optional_consumer(request))
    return [_store_offers(row) for row in rows]
