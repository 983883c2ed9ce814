"""Reads for the consumer pages and the mini-program: a store, its shelves and a product's page.

Each function runs a fixed number of queries however many products or SKUs there are. Stock
is always the supplier SKU's current stock, read through the listing → SKU join (listings never
copy it), so what a buyer sees is what order placement will check.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.storage import default_storage
from django.db.models import Min, OuterRef, Q, QuerySet, Subquery, Sum

from linkmall.catalog.models import Category, Product, ProductImage
from linkmall.core import clock
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.stores.early_access import on_general_sale
from linkmall.stores.geo import EARTH_RADIUS_M, haversine_m, wgs84_to_gcj02
from linkmall.stores.models import Listing, Store
from linkmall.stores.pricing import PRICE_ALLOWED


@dataclass(frozen=True)
class ProductCard:
    product_id: int
    name: str
    subtitle: str
    category_id: int
    category_slug: str
    category_name: str
    main_image_url: str
    min_price_fen: int
    total_stock: int

    @property
    def min_price(self) -> str:
        return fen_to_yuan(self.min_price_fen)

    @property
    def in_stock(self) -> bool:
        return self.total_stock > 0


@dataclass(frozen=True)
class CategoryRef:
    id: int
    name: str
    slug: str
    product_count: int


@dataclass(frozen=True)
class StoreHome:
    store: Store
    categories: list[CategoryRef]
    products: list[ProductCard]


@dataclass(frozen=True)
class CategoryShelf:
    store: Store
    category: Category
    products: list[ProductCard]


@dataclass(frozen=True)
class ListingOption:
    """One buyable SKU of a product in a store: the merchant's listing of a supplier SKU."""

    listing_id: int
    sku_id: int
    spec: dict
    price_fen: int
    suggested_price_fen: int
    stock: int

    @property
    def price(self) -> str:
        return fen_to_yuan(self.price_fen)

    @property
    def spec_label(self) -> str:
        return " / ".join(str(v) for v in self.spec.values())


@dataclass(frozen=True)
class ProductDetail:
    store: Store
    product: Product
    image_urls: list[str]
    options: list[ListingOption] = field(default_factory=list)

    @property
    def min_price_fen(self) -> int:
        return min(o.price_fen for o in self.options)

    @property
    def min_price(self) -> str:
        return fen_to_yuan(self.min_price_fen)

    @property
    def total_stock(self) -> int:
        return sum(o.stock for o in self.options)


@dataclass(frozen=True)
class NearbyStore:
    store: Store
    distance_m: int


def _image_url(name: str | None) -> str:
    return default_storage.url(name) if name else ""


def store_get(*, store_id: int) -> Store:
    """An open store, with its merchant. Closed or unknown stores are "not found"."""
    store = Store.objects.select_related("merchant").filter(pk=store_id, is_active=True).first()
    if store is None:
        raise NotFound("No such store.", detail={"store_id": store_id})
    return store


def store_list(*, city: str = "") -> list[Store]:
    rows = Store.objects.filter(is_active=True).select_related("merchant").order_by("city", "name", "pk")
    if city:
        rows = rows.filter(city=city)
    return list(rows)


def _sellable_listings(store: Store) -> QuerySet[Listing]:
    return Listing.objects.filter(
        # a supplier may raise its cost above a merchant's price; such a pick waits for a new price
        PRICE_ALLOWED,
        # 新品抢先: shared pages show a listing in early access to no one (core customers have their own page)
        on_general_sale(clock.now()),
        merchant_id=store.merchant_id,
        is_active=True,
        sku__is_active=True,
        product__status=Product.Status.ACTIVE,
    )


def _product_cards(listings: QuerySet[Listing]) -> list[ProductCard]:
    main_image = (
        ProductImage.objects.filter(product_id=OuterRef("product_id")).order_by("position", "id").values("image")[:1]
    )
    rows = (
        listings.values(
            "product_id",
            "product__name",
            "product__subtitle",
            "product__category_id",
            "product__category__slug",
            "product__category__name",
            "product__category__position",
        )
        .annotate(min_price_fen=Min("price_fen"), total_stock=Sum("sku__stock"), main_image=Subquery(main_image))
        .order_by("product__category__position", "product__category_id", "product_id")
    )
    return [
        ProductCard(
            product_id=r["product_id"],
            name=r["product__name"],
            subtitle=r["product__subtitle"],
            category_id=r["product__category_id"],
            category_slug=r["product__category__slug"],
            category_name=r["product__category__name"],
            main_image_url=_image_url(r["main_image"]),
            min_price_fen=r["min_price_fen"],
            total_stock=r["total_stock"] or 0,
        )
        for r in rows
    ]


def store_home(*, store: Store) -> StoreHome:
    """The store's shelves: every category with something for sale, and a card per product. One query."""
    products = _product_cards(_sellable_listings(store))
    counts: dict[int, CategoryRef] = {}
    for card in products:
        ref = counts.get(card.category_id)
        counts[card.category_id] = CategoryRef(
            id=card.category_id,
            name=card.category_name,
            slug=card.category_slug,
            product_count=(ref.product_count if ref else 0) + 1,
        )
    return StoreHome(store=store, categories=list(counts.values()), products=products)


def store_product_cards(*, store: Store, product_ids: list[int]) -> list[ProductCard]:
    """Cards of the given products that the store sells now, in the order given; others are left out.
    One query (a guide's featured products, recommendations)."""
    if not product_ids:
        return []
    cards = {c.product_id: c for c in _product_cards(_sellable_listings(store).filter(product_id__in=product_ids))}
    return [cards[pk] for pk in dict.fromkeys(product_ids) if pk in cards]


def store_category_products(*, store: Store, category_slug: str) -> CategoryShelf:
    """One category's shelf (its sub-categories included). Two queries."""
    category = Category.objects.filter(slug=category_slug).first()
    if category is None:
        raise NotFound("No such category.", detail={"category": category_slug})
    listings = _sellable_listings(store).filter(
        Q(product__category_id=category.pk) | Q(product__category__parent_id=category.pk)
    )
    return CategoryShelf(store=store, category=category, products=_product_cards(listings))


def store_product_detail(*, store: Store, product_id: int) -> ProductDetail:
    """A product's page in a store: images and the merchant's listings of its SKUs. Two queries.

    A product the merchant does not sell (or sells no SKU of any more) is "not found" here.
    """
    listings = list(
        _sellable_listings(store)
        .filter(product_id=product_id)
        .select_related("sku", "product", "product__category")
        .order_by("sku_id")
    )
    if not listings:
        raise NotFound("No such product in this store.", detail={"product_id": product_id})
    product = listings[0].product
    images = ProductImage.objects.filter(product_id=product.pk).order_by("position", "id").values_list("image", flat=True)
    options = [
        ListingOption(
            listing_id=listing.pk,
            sku_id=listing.sku_id,
            spec=listing.sku.spec,
            price_fen=listing.price_fen,
            suggested_price_fen=listing.sku.suggested_price_fen,
            stock=listing.sku.stock,
        )
        for listing in listings
    ]
    return ProductDetail(store=store, product=product, image_urls=[_image_url(i) for i in images], options=options)


def _coordinates(latitude, longitude) -> tuple[float, float]:
    try:
        lat, lng = float(Decimal(str(latitude))), float(Decimal(str(longitude)))
    except (ArithmeticError, ValueError):
        raise InvalidInput("Latitude and longitude must be numbers.", detail={"field": "latitude"}) from None
    if not (-90 <= lat <= 90) or not (-180 <= lng <= 180):  # NaN fails both
        raise InvalidInput("Latitude or longitude is out of range.", detail={"latitude": lat, "longitude": lng})
    return lat, lng


#: the datums a visitor's location may come in: GCJ-02 (Chinese maps, WeChat) or WGS-84 (GPS, a browser)
DATUMS = ("gcj02", "wgs84")


def gcj02_point(latitude, longitude, *, datum: str = "gcj02") -> tuple[float, float]:
    """A visitor's location as a GCJ-02 (lat, lng) pair of floats, the datum stores are kept in: a
    WGS-84 one (navigator.geolocation) is converted (`geo.wgs84_to_gcj02`). Not numbers, out of
    range or an unknown datum: `invalid_input`."""
    if datum not in DATUMS:
        raise InvalidInput("The datum is gcj02 or wgs84.", detail={"field": "coord", "allowed": list(DATUMS)})
    lat, lng = _coordinates(latitude, longitude)
    return wgs84_to_gcj02(lat, lng) if datum == "wgs84" else (lat, lng)


#: "stores near me" reads growing latitude/longitude boxes (the index `store_location`): the first
#: box reaches this far from the point, each next one NEARBY_WIDEN times farther
NEARBY_FIRST_BOX_M = 500
NEARBY_WIDEN = 4
#: without a radius, boxes stop growing here and the last read takes every open store
NEARBY_LAST_BOX_M = 32_000
_METRES_PER_DEGREE = 2 * math.pi * EARTH_RADIUS_M / 360


def _box(lat: float, lng: float, reach_m: float) -> Q:
    """The latitude/longitude box that holds every point within `reach_m` of (lat, lng), a little
    wider (rounded outwards to the column's 6 decimals). Across a pole or the antimeridian it
    gives up on longitude."""
    d_lat = reach_m / _METRES_PER_DEGREE
    edge = min(90.0, abs(lat) + d_lat)
    cos_edge = math.cos(math.radians(edge))
    q = Q(latitude__gte=_deg(lat - d_lat, -1), latitude__lte=_deg(lat + d_lat, 1))
    if cos_edge > 1e-6:
        d_lng = reach_m / (_METRES_PER_DEGREE * cos_edge)
        if lng - d_lng >= -180 and lng + d_lng <= 180:
            q &= Q(longitude__gte=_deg(lng - d_lng, -1), longitude__lte=_deg(lng + d_lng, 1))
    return q


def _deg(value: float, direction: int) -> Decimal:
    return (Decimal(repr(value)) + Decimal("0.000002") * direction).quantize(Decimal("0.000001"))


def stores_nearby(*, latitude, longitude, limit: int = 20, merchant_id: int | None = None,
                  radius_m: int | None = None) -> list[NearbyStore]:
    """Open stores (optionally one merchant's) ordered by distance from a GCJ-02 point, nearest
    first (ties by id), at most `limit`, and within `radius_m` metres when given.

    It never loads every store: it reads the ids and coordinates of the stores in a box around the
    point (`NEARBY_FIRST_BOX_M`, then `NEARBY_WIDEN` times wider each time) until the box holds
    `limit` stores within its reach or reaches `radius_m`, measures each exactly (`haversine_m`),
    and loads the chosen stores with their merchants. Queries: one per box (at most 1 +
    ceil(log4(radius / 500)); without a radius at most 5, the last one unbounded), plus one."""
    lat, lng = _coordinates(latitude, longitude)
    if limit <= 0:
        return []
    rows = Store.objects.filter(is_active=True)
    if merchant_id is not None:
        rows = rows.filter(merchant_id=merchant_id)
    last = radius_m if radius_m is not None else NEARBY_LAST_BOX_M
    reach: float = min(NEARBY_FIRST_BOX_M, last)
    while True:
        final = reach >= last
        boxed = rows if final and radius_m is None else rows.filter(_box(lat, lng, reach))
        keep = radius_m if final and radius_m is not None else (math.inf if final else reach)
        found = []
        for pk, s_lat, s_lng in boxed.values_list("pk", "latitude", "longitude"):
            distance = haversine_m(lat, lng, float(s_lat), float(s_lng))
            if distance <= keep:
                found.append((round(distance), pk))
        if final or len(found) >= limit:
            break
        reach = min(reach * NEARBY_WIDEN, last)
    found.sort()
    found = found[:limit]
    stores = Store.objects.select_related("merchant").in_bulk([pk for _, pk in found])
    return [NearbyStore(store=stores[pk], distance_m=distance) for distance, pk in found]


def nearest_store(*, latitude, longitude, merchant_id: int | None = None) -> NearbyStore | None:
    """The open store closest to a point (optionally only one merchant's), or None when there is none."""
    nearby = stores_nearby(latitude=latitude, longitude=longitude, limit=1, merchant_id=merchant_id)
    return nearby[0] if nearby else None


@dataclass(frozen=True)
class PickupStore:
    store: Store
    #: metres from the buyer; None when the page does not know where the buyer is
    distance_m: int | None


def pickup_stores(*, merchant_id: int, latitude=None, longitude=None) -> list[PickupStore]:
    """The merchant's open stores a buyer may pick an order up at (到店自提): nearest first with the
    distance when the buyer's GCJ-02 location is given, else by name. One query."""
    rows = list(Store.objects.select_related("merchant").filter(merchant_id=merchant_id, is_active=True)
                .order_by("name", "pk"))
    if latitude is None or longitude is None:
        return [PickupStore(store=s, distance_m=None) for s in rows]
    lat, lng = _coordinates(latitude, longitude)
    found = [PickupStore(store=s, distance_m=round(haversine_m(lat, lng, float(s.latitude), float(s.longitude))))
             for s in rows]
    found.sort(key=lambda p: (p.distance_m or 0, p.store.name, p.store.pk))
    return found
