"""/api/v1/stores: public store pages (list, nearest, home, category, product) and the merchant
owner's stores, guides and listings (选品) under /merchant/."""

from decimal import Decimal

from ninja import Router, Status

from linkmall.accounts.auth import api_auth
from linkmall.core.errors import NotFound
from linkmall.core.paging import paginate_clamped
from linkmall.stores import selectors, services
from linkmall.stores.models import Merchant
from linkmall.stores.schemas import (
    CategoryShelfOut,
    GuideIn,
    GuideOut,
    GuidePatch,
    ListingOut,
    ListingPage,
    ListingPatch,
    NearbyStoreOut,
    PickablePage,
    PickIn,
    PickupStoreOut,
    ProductDetailOut,
    StoreHomeOut,
    StoreIn,
    StoreOut,
    StorePatch,
)

router = Router(tags=["stores"])
PAGE_SIZE = 20


def _merchant(actor, merchant_id: int | None = None) -> Merchant:
    merchant = Merchant.objects.filter(pk=selectors.merchant_id_of(actor=actor, merchant_id=merchant_id)).first()
    if merchant is None:
        raise NotFound("No such merchant.")
    return merchant


# --- public -------------------------------------------------------------------------------------


@router.get("/", response=list[StoreOut])
def list_stores(request, city: str = ""):
    return selectors.store_list(city=city)


@router.get("/nearby", response=list[NearbyStoreOut])
def nearby_stores(request, latitude: Decimal, longitude: Decimal, limit: int = 20):
    return selectors.stores_nearby(latitude=latitude, longitude=longitude, limit=min(max(limit, 1), 50))


@router.get("/nearest", response=NearbyStoreOut)
def nearest(request, latitude: Decimal, longitude: Decimal):
    found = selectors.nearest_store(latitude=latitude, longitude=longitude)
    if found is None:
        raise NotFound("There is no open store yet.")
    return found


@router.get("/{int:merchant_id}/pickup-stores", response=list[PickupStoreOut])
def pickup_stores(request, merchant_id: int, lat: Decimal | None = None, lng: Decimal | None = None):
    """到店自提: the merchant's open stores, nearest first when lat/lng (GCJ-02) are given, else by name."""
    return selectors.pickup_stores(merchant_id=merchant_id, latitude=lat, longitude=lng)


@router.get("/{store_id}", response=StoreOut)
def get_store(request, store_id: int):
    return selectors.store_get(store_id=store_id)


@router.get("/{store_id}/home", response=StoreHomeOut)
def store_home(request, store_id: int):
    return selectors.store_home(store=selectors.store_get(store_id=store_id))


@router.get("/{store_id}/categories/{slug}", response=CategoryShelfOut)
def store_category(request, store_id: int, slug: str):
    return selectors.store_category_products(store=selectors.store_get(store_id=store_id), category_slug=slug)


@router.get("/{store_id}/products/{product_id}", response=ProductDetailOut)
def store_product(request, store_id: int, product_id: int):
    return selectors.store_product_detail(store=selectors.store_get(store_id=store_id), product_id=product_id)


# --- merchant owner -------------------------------------------------------------------------------


@router.get("/merchant/stores", response=list[StoreOut], auth=api_auth)
def my_stores(request, merchant_id: int | None = None):
    return list(selectors.merchant_store_list(actor=request.auth, merchant_id=merchant_id).select_related("merchant"))


@router.post("/merchant/stores", response={201: StoreOut}, auth=api_auth)
def create_store(request, payload: StoreIn):
    merchant = _merchant(request.auth, payload.merchant_id)
    return Status(201, services.store_create(actor=request.auth, merchant=merchant,
                                             **payload.dict(exclude={"merchant_id"})))


@router.patch("/merchant/stores/{store_id}", response=StoreOut, auth=api_auth)
def update_store(request, store_id: int, payload: StorePatch):
    store = selectors.merchant_store_get(actor=request.auth, store_id=store_id)
    return services.store_update(actor=request.auth, store=store, **payload.dict(exclude_unset=True))


@router.get("/merchant/guides", response=list[GuideOut], auth=api_auth)
def my_guides(request, merchant_id: int | None = None):
    return list(selectors.guide_list(actor=request.auth, merchant_id=merchant_id))


@router.post("/merchant/guides", response={201: GuideOut}, auth=api_auth)
def create_guide(request, payload: GuideIn):
    store = selectors.merchant_store_get(actor=request.auth, store_id=payload.store_id)
    guide = services.guide_create(actor=request.auth, store=store, **payload.dict(exclude={"store_id"}))
    return Status(201, selectors.guide_get(actor=request.auth, guide_id=guide.pk))


@router.patch("/merchant/guides/{guide_id}", response=GuideOut, auth=api_auth)
def update_guide(request, guide_id: int, payload: GuidePatch):
    guide = selectors.guide_get(actor=request.auth, guide_id=guide_id)
    changes = payload.dict(exclude_unset=True, exclude={"store_id"})
    if payload.store_id is not None:
        changes["store"] = selectors.merchant_store_get(actor=request.auth, store_id=payload.store_id)
    services.guide_update(actor=request.auth, guide=guide, **changes)
    return selectors.guide_get(actor=request.auth, guide_id=guide_id)


@router.get("/merchant/catalog", response=PickablePage, auth=api_auth)
def supplier_catalog(request, search: str = "", category: str = "", page: int = 1, merchant_id: int | None = None):
    rows = selectors.pickable_skus(actor=request.auth, merchant_id=merchant_id, search=search, category_slug=category)
    return paginate_clamped(rows, page=page, page_size=PAGE_SIZE)


@router.get("/merchant/listings", response=ListingPage, auth=api_auth)
def my_listings(request, search: str = "", active: bool | None = None, page: int = 1, merchant_id: int | None = None):
    rows = selectors.listing_list(actor=request.auth, merchant_id=merchant_id, search=search, active=active)
    return paginate_clamped(rows, page=page, page_size=PAGE_SIZE)


@router.post("/merchant/listings", response={201: ListingOut}, auth=api_auth)
def pick(request, payload: PickIn):
    merchant = _merchant(request.auth, payload.merchant_id)
    sku = selectors.pickable_sku_get(actor=request.auth, sku_id=payload.sku_id)
    listing = services.listing_pick(actor=request.auth, merchant=merchant, sku=sku, price_fen=payload.price_fen,
                                    pool_fen=payload.pool_fen)
    return Status(201, selectors.listing_get(actor=request.auth, listing_id=listing.pk))


@router.get("/merchant/listings/{listing_id}", response=ListingOut, auth=api_auth)
def get_listing(request, listing_id: int):
    return selectors.listing_get(actor=request.auth, listing_id=listing_id)


@router.patch("/merchant/listings/{listing_id}", response=ListingOut, auth=api_auth)
def update_listing(request, listing_id: int, payload: ListingPatch):
    listing = selectors.listing_get(actor=request.auth, listing_id=listing_id)
    services.listing_update(actor=request.auth, listing=listing, **payload.dict(exclude_unset=True))
    return selectors.listing_get(actor=request.auth, listing_id=listing_id)


@router.delete("/merchant/listings/{listing_id}", response=ListingOut, auth=api_auth)
def unpick(request, listing_id: int):
    listing = selectors.listing_get(actor=request.auth, listing_id=listing_id)
    services.listing_unpick(actor=request.auth, listing=listing)
    return selectors.listing_get(actor=request.auth, listing_id=listing_id)
