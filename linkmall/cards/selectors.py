"""Reads of the cards app: a guide's published card and what its page shows, the card holder.

Booking reads live in linkmall.cards.booking (next to the writes that must agree with them).
"""

import math
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db.models import QuerySet

from linkmall.accounts.models import User
from linkmall.cards.models import Appointment, Card, CardHolding, Promotion
from linkmall.core import clock
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.customers.models import Visitor
from linkmall.stores import selectors as store_selectors
from linkmall.stores.geo import haversine_m, wgs84_to_gcj02
from linkmall.stores.models import Guide, Listing, Merchant, Store
from linkmall.stores.selectors import ProductCard

RECOMMENDATIONS = 6
COORD_SYSTEMS = ("wgs84", "gcj02")


@dataclass(frozen=True)
class CardView:
    """Everything a card page shows about its guide. `card` may be unsaved: a guide who never
    edited their card still has one, with the defaults."""

    card: Card
    guide: Guide
    store: Store
    merchant: Merchant
    name: str
    photo_url: str
    featured: list[ProductCard] = field(default_factory=list)
    promotions: list[Promotion] = field(default_factory=list)
    recommended: list[ProductCard] = field(default_factory=list)

    @property
    def guide_id(self) -> int:
        return self.guide.pk


def guide_display_name(guide: Guide) -> str:
    return guide.user.display_name or guide.user.username


def _guide_for_card(guide_id: int) -> Guide:
    guide = (
        Guide.objects.select_related("user", "store__merchant")
        .filter(pk=guide_id, is_active=True, user__is_active=True, store__is_active=True)
        .first()
    )
    if guide is None:
        raise NotFound("No such card.", detail={"guide_id": guide_id})
    return guide


def card_of_guide(guide: Guide) -> Card:
    """The guide's card row, or an unsaved default one (nothing is written by a read)."""
    card = Card.objects.filter(guide_id=guide.pk).first()
    if card is None:
        card = Card(guide=guide)
    else:
        card.guide = guide
    return card


def card_get_published(guide_id: int) -> Card:
    """The published card of an active guide in an open store; `card.guide` has its user, store
    and merchant loaded. Anything else is "not found" — the same answer for every case."""
    card = card_of_guide(_guide_for_card(guide_id))
    if not card.is_published:
        raise NotFound("No such card.", detail={"guide_id": guide_id})
    return card


def card_featured_ids(card: Card) -> list[int]:
    if card._state.adding:
        return []
    return list(Card.featured.through.objects.filter(card_id=card.pk).order_by("pk").values_list("product_id",
                                                                                                   flat=True))


def promotions_current(*, merchant_id: int) -> list[Promotion]:
    """Promotions running now, ending soonest first."""
    now = clock.now()
    return list(
        Promotion.objects.filter(merchant_id=merchant_id, is_active=True, starts_at__lte=now, ends_at__gt=now)
        .order_by("ends_at", "pk")
    )


def _recommended_ids(*, store_id: int, user: User | None, visitor: Visitor | None) -> list[int]:
    try:  # engineer R builds recommendations in parallel; a card without them still works
        from linkmall.customers.recommend import recommend_for
    except ImportError:
        return []
    user_id = user.pk if user is not None and user.is_authenticated else None
    return list(recommend_for(store_id=store_id, user_id=user_id, visitor=visitor, k=RECOMMENDATIONS))


def card_photo_url(card: Card) -> str:
    return default_storage.url(card.photo.name) if card.photo else ""


def card_view(*, guide_id: int, user: User | None = None, visitor: Visitor | None = None,
              recommend: bool = True) -> CardView:
    """The card page of a guide: contact, store, featured products the merchant sells now, current
    promotions and personal recommendations (featured ones left out)."""
    card = card_get_published(guide_id)
    guide = card.guide
    store = guide.store
    featured = store_selectors.store_product_cards(store=store, product_ids=card_featured_ids(card))
    recommended: list[ProductCard] = []
    if recommend:
        shown = {p.product_id for p in featured}
        wanted = [pk for pk in _recommended_ids(store_id=store.pk, user=user, visitor=visitor) if pk not in shown]
        recommended = store_selectors.store_product_cards(store=store, product_ids=wanted)
    return CardView(
        card=card, guide=guide, store=store, merchant=store.merchant, name=guide_display_name(guide),
        photo_url=card_photo_url(card), featured=featured, promotions=promotions_current(merchant_id=store.merchant_id),
        recommended=recommended,
    )


def card_is_held(*, user: User | None, guide_id: int) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return CardHolding.objects.filter(user_id=user.pk, card_id=guide_id).exists()


def holdings_of(*, user: User) -> QuerySet[CardHolding]:
    """The user's card holder, newest first, with each card's guide, store and merchant. One query."""
    return (
        CardHolding.objects.filter(user_id=user.pk)
        .select_related("card__guide__user", "card__guide__store__merchant")
        .order_by("-saved_at", "-pk")
    )


def appointments_of_user(*, user: User, upcoming_only: bool = False) -> QuerySet[Appointment]:
    """A customer's bookings, soonest first, with store and guide. One query."""
    rows = Appointment.objects.filter(user_id=user.pk).select_related("store", "guide__user")
    if upcoming_only:
        rows = rows.filter(starts_at__gt=clock.now(), status=Appointment.Status.BOOKED)
    return rows.order_by("starts_at", "pk")


def appointments_of_guide(*, guide: Guide, include_past: bool = False) -> QuerySet[Appointment]:
    """The bookings made from a guide's card, soonest first, with the customer. One query."""
    rows = Appointment.objects.filter(guide_id=guide.pk).select_related("user", "store")
    if not include_past:
        rows = rows.filter(starts_at__gt=clock.now())
    return rows.order_by("starts_at", "pk")


@dataclass(frozen=True)
class Nearest:
    store: Store
    distance_m: int
    guide_id: int | None  # a guide of the store whose card is published, None when it has none


#: half-sides (degrees of latitude) of the boxes searched in turn before all stores are read
SEARCH_BOXES_DEG = (0.1, 1.0)
METRES_PER_DEGREE = 111_000


def _nearest_open_store(lat: float, lng: float, merchant_id: int | None) -> tuple[Store, int] | None:
    """The nearest open store and its distance. Reads only the stores in a small box around the point
    first: a store outside a box of half-side r is at least r·111 km away, so a nearer one inside settles it."""
    rows = Store.objects.filter(is_active=True)
    if merchant_id is not None:
        rows = rows.filter(merchant_id=merchant_id)
    for half in (*SEARCH_BOXES_DEG, None):
        boxed = rows
        if half is not None:
            # longitude degrees shrink towards the poles: widen by the box's worst latitude
            widen = half / max(0.01, math.cos(math.radians(min(89.0, abs(lat) + half))))
            boxed = rows.filter(latitude__range=(lat - half, lat + half), longitude__range=(lng - widen, lng + widen))
        points = [(haversine_m(lat, lng, float(a), float(b)), pk) for pk, a, b in
                  boxed.values_list("pk", "latitude", "longitude")]
        if not points:
            continue
        distance, pk = min(points)
        if half is None or distance <= half * METRES_PER_DEGREE:
            return Store.objects.select_related("merchant").get(pk=pk), round(distance)
    return None


def nearest_card(*, latitude: float, longitude: float, coord: str = "wgs84",
                 merchant_id: int | None = None) -> Nearest | None:
    """The open store nearest to a point (stores are kept in GCJ-02; a browser gives WGS-84) and a
    guide there to route the visitor to. None when no store is open."""
    if coord not in COORD_SYSTEMS:
        raise InvalidInput("coord must be wgs84 or gcj02.", detail={"coord": coord})
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):  # NaN fails every comparison too
        raise InvalidInput("Latitude or longitude is out of range.", detail={"field": "lat"})
    if coord == "wgs84":
        latitude, longitude = wgs84_to_gcj02(latitude, longitude)
    found = _nearest_open_store(latitude, longitude, merchant_id)
    if found is None:
        return None
    guide_id = (
        Guide.objects.filter(store_id=found[0].pk, is_active=True, user__is_active=True)
        .exclude(card__is_published=False)
        .order_by("pk").values_list("pk", flat=True).first()
    )
    return Nearest(store=found[0], distance_m=found[1], guide_id=guide_id)


def promotions_of_merchant(*, actor: User) -> QuerySet[Promotion]:
    """The merchant owner's promotions, latest ending first."""
    return Promotion.objects.filter(merchant_id=store_selectors.merchant_id_of(actor=actor)).order_by("-ends_at", "-pk")


def promotion_get(*, actor: User, promotion_id: int) -> Promotion:
    promotion = promotions_of_merchant(actor=actor).filter(pk=promotion_id).first()
    if promotion is None:
        raise NotFound("No such promotion.")
    return promotion


def listed_products_of(*, merchant_id: int) -> list[tuple[int, str]]:
    """(product id, name) of every product the merchant lists, for picking featured products."""
    return list(
        Listing.objects.filter(merchant_id=merchant_id, is_active=True)
        .values_list("product_id", "product__name").distinct().order_by("product__name", "product_id")
    )
