"""附近门店与优惠 (nearby offers, LBS): the open stores nearest a visitor, each with its distance,
opening hours and live offers — the merchant's coupons a visitor may claim now and its running
store promotions (docs/o2o.md "Nearby offers (LBS)").

Stores are found by `stores.selectors.stores_nearby` (growing latitude/longitude boxes on the
`store_location` index, then exact great-circle distances), so no request reads every store. A
merchant-wide coupon is listed under each of its stores; a geofenced one (地理围栏券) only under its
store, with its radius and whether the visitor is inside. Whatever the number of stores and offers,
`nearby_offers` runs a bounded number of queries: the stores' boxes (at most 1 + ceil(log4(radius /
500)), 6 at 50 km) and their rows, then one each for the coupon templates and the promotions, and
with a logged-in visitor one for the coupons held and one for "bought here before".
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.utils.translation import get_language

from linkmall.accounts.models import User
from linkmall.campaigns.geofence import geofence_inside
from linkmall.campaigns.models import CampaignStatus, Coupon, CouponSource, CouponTemplate, Promotion
from linkmall.campaigns.offers import promotion_label, template_label
from linkmall.campaigns.selectors.coupons import CLAIM_CENTRE_SOURCES, ClaimState
from linkmall.campaigns.services.coupons import claim_source
from linkmall.campaigns.showcase import promotion_tag
from linkmall.core import clock
from linkmall.core.errors import InvalidInput
from linkmall.customers.models import Purchase
from linkmall.stores.geo import haversine_m
from linkmall.stores.models import Store
from linkmall.stores.selectors import gcj02_point, stores_nearby

#: how far the list looks by default, and at most (metres)
NEARBY_RADIUS_M = 5_000
NEARBY_MAX_RADIUS_M = 50_000
#: how many stores it lists by default, and at most
NEARBY_LIMIT = 10
NEARBY_MAX_LIMIT = 50


#: what the list never shows of a template: left unread (a few hundred rows per answer)
_UNSHOWN = ("scope_ids", "stacks_with_activity", "funder", "claim_starts_at", "claim_ends_at", "created_at",
            "updated_at")


#: labels and tags by what they are made of and the language: a few hundred offers per answer would
#: otherwise each go through gettext several times (the words never change while the process runs)
_LABELS: dict[tuple[object, ...], tuple[str, str]] = {}
_LABELS_MAX = 20_000


def _remember(key: tuple[object, ...], make: Callable[[], tuple[str, str]]) -> tuple[str, str]:
    found = _LABELS.get(key)
    if found is None:
        if len(_LABELS) >= _LABELS_MAX:
            _LABELS.clear()
        found = _LABELS[key] = make()
    return found


def _coupon_label(template: CouponTemplate, language: str) -> str:
    key = ("coupon", language, template.kind, template.value, template.threshold_fen, template.max_discount_fen)
    return _remember(key, lambda: (template_label(template), ""))[0]


def _promotion_words(promotion: Promotion, language: str) -> tuple[str, str]:
    """(tag, label) of a promotion."""
    key = ("promotion", language, promotion.kind, promotion.value, promotion.threshold_fen,
           promotion.max_discount_fen, promotion.threshold_quantity, promotion.new_customers_only)
    return _remember(key, lambda: (promotion_tag(promotion), promotion_label(promotion)))


@dataclass(frozen=True)
class NearbyCoupon:
    template: CouponTemplate
    label: str
    #: open, limit_reached (the viewer holds as many as one may) or not_new_customer
    state: ClaimState
    #: the source a claim takes (claim, or new_customer for 新人专享)
    source: str
    #: a geofenced coupon: whether the visitor's point is within its radius; None without a geofence
    inside: bool | None

    @property
    def in_store(self) -> bool:
        return self.template.in_store

    @property
    def geofence_radius_m(self) -> int | None:
        return self.template.geofence_radius_m


@dataclass(frozen=True)
class NearbyPromotion:
    promotion: Promotion
    tag: str
    label: str


@dataclass(frozen=True)
class NearbyStoreOffers:
    store: Store
    #: metres from the visitor (GCJ-02, great circle), rounded
    distance_m: int
    coupons: list[NearbyCoupon] = field(default_factory=list)
    promotions: list[NearbyPromotion] = field(default_factory=list)


def claim_point(*, lat: float | str | None, lng: float | str | None, coord: str = "gcj02") -> tuple[float, float] | None:
    """A claim's location as a GCJ-02 point, None when neither coordinate was sent; one without the
    other, not numbers or out of range: `invalid_input`."""
    if lat is None and lng is None:
        return None
    if lat is None or lng is None:
        raise InvalidInput("Send both lat and lng.", detail={"fields": {"lat": "required with lng",
                                                                         "lng": "required with lat"}})
    return gcj02_point(lat, lng, datum=coord)


def nearby_offers(*, latitude: float | str, longitude: float | str, coord: str = "gcj02",
                  merchant_id: int | None = None, radius_m: int = NEARBY_RADIUS_M, limit: int = NEARBY_LIMIT,
                  user: User | None = None) -> list[NearbyStoreOffers]:
    """The open stores (optionally of one merchant) within `radius_m` of the visitor, nearest first,
    at most `limit`, each with the offers live now: coupons of the merchant's claim centre that are
    active, in their claim window, within their validity and not all claimed (a geofenced one only
    under its store), and the merchant's running promotions. `coord`: the point's datum, gcj02 or
    wgs84 (converted). Bad coordinates, radius or limit: `invalid_input`."""
    if isinstance(radius_m, bool) or not isinstance(radius_m, int) or not 1 <= radius_m <= NEARBY_MAX_RADIUS_M:
        raise InvalidInput(f"radius_m is 1 to {NEARBY_MAX_RADIUS_M} metres.", detail={"field": "radius_m"})
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= NEARBY_MAX_LIMIT:
        raise InvalidInput(f"limit is 1 to {NEARBY_MAX_LIMIT}.", detail={"field": "limit"})
    lat, lng = gcj02_point(latitude, longitude, datum=coord)
    found = stores_nearby(latitude=lat, longitude=lng, limit=limit, merchant_id=merchant_id, radius_m=radius_m)
    if not found:
        return []
    now = clock.now()
    merchant_ids = sorted({n.store.merchant_id for n in found})
    store_ids = [n.store.pk for n in found]
    templates = [
        t for t in CouponTemplate.objects.filter(
            Q(geofence_store__isnull=True) | Q(geofence_store_id__in=store_ids),
            merchant_id__in=merchant_ids, status=CampaignStatus.ACTIVE, issued__lt=F("total"))
        .filter(Q(claim_starts_at__isnull=True) | Q(claim_starts_at__lte=now))
        .filter(Q(claim_ends_at__isnull=True) | Q(claim_ends_at__gt=now))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .defer(*_UNSHOWN).order_by("-pk")
        if any(source in t.sources for source in CLAIM_CENTRE_SOURCES)
    ]
    promotions = list(Promotion.objects.filter(merchant_id__in=merchant_ids, status=CampaignStatus.ACTIVE,
                                               starts_at__lte=now)
                      .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now)).order_by("pk"))
    viewer = user if user is not None and user.is_authenticated else None
    held: dict[int, int] = {}
    returning: set[int] = set()
    if viewer is not None and templates:
        held = dict(Coupon.objects.filter(user=viewer, template__in=[t.pk for t in templates])
                    .values("template").annotate(n=Count("pk")).values_list("template", "n"))
        new_only = {t.merchant_id for t in templates if claim_source(t) == CouponSource.NEW_CUSTOMER}
        if new_only:
            returning = set(Purchase.objects.filter(user=viewer, merchant_id__in=new_only)
                            .values_list("merchant_id", flat=True).distinct())
    language = get_language() or ""
    labels = {t.pk: _coupon_label(t, language) for t in templates}
    merchant_wide: dict[int, list[CouponTemplate]] = defaultdict(list)
    fenced: dict[int, list[CouponTemplate]] = defaultdict(list)
    for template in templates:
        if template.geofence_store_id is None:
            merchant_wide[template.merchant_id].append(template)
        else:
            fenced[template.geofence_store_id].append(template)
    shown_promotions: dict[int, list[NearbyPromotion]] = defaultdict(list)
    for promotion in promotions:
        tag, label = _promotion_words(promotion, language)
        shown_promotions[promotion.merchant_id].append(NearbyPromotion(promotion=promotion, tag=tag, label=label))
    out = []
    for near in found:
        store = near.store
        exact = haversine_m(lat, lng, float(store.latitude), float(store.longitude))
        coupons = []
        for template in [*fenced.get(store.pk, []), *merchant_wide.get(store.merchant_id, [])]:
            source = claim_source(template)
            state: ClaimState = "open"
            if held.get(template.pk, 0) >= template.per_user_limit:
                state = "limit_reached"
            elif source == CouponSource.NEW_CUSTOMER and template.merchant_id in returning:
                state = "not_new_customer"
            inside = geofence_inside(template, exact) if template.geofence_store_id is not None else None
            coupons.append(NearbyCoupon(template=template, label=labels[template.pk], state=state,
                                        source=source, inside=inside))
        out.append(NearbyStoreOffers(store=store, distance_m=near.distance_m, coupons=coupons,
                                     promotions=shown_promotions.get(store.merchant_id, [])))
    return out
