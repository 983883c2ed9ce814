from decimal import Decimal

from ninja import Schema
from pydantic import Field

from linkmall.core.money import fen_to_yuan
from linkmall.stores.models import Listing


class StoreOut(Schema):
    id: int
    merchant_id: int
    merchant_name: str = Field(alias="merchant.name")
    name: str
    city: str
    address: str
    latitude: Decimal
    longitude: Decimal
    phone: str
    opening_hours: str
    is_active: bool


class NearbyStoreOut(Schema):
    store: StoreOut
    distance_m: int


class PickupStoreOut(Schema):
    """A store a buyer may collect an order at, with its opening hours; `distance_m` when the
    buyer's location was given."""

    store: StoreOut
    distance_m: int | None


class StoreIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    city: str = Field(min_length=1, max_length=50)
    address: str = Field(min_length=1, max_length=200)
    latitude: Decimal
    longitude: Decimal
    phone: str = Field("", max_length=20)
    opening_hours: str = Field("", max_length=50)
    #: platform staff name the merchant; owners always write their own
    merchant_id: int | None = None


class StorePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    city: str | None = Field(None, min_length=1, max_length=50)
    address: str | None = Field(None, min_length=1, max_length=200)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    phone: str | None = Field(None, max_length=20)
    opening_hours: str | None = Field(None, max_length=50)
    is_active: bool | None = None


class CategoryRefOut(Schema):
    id: int
    name: str
    slug: str
    product_count: int


class ProductCardOut(Schema):
    product_id: int
    name: str
    subtitle: str
    category_slug: str
    main_image_url: str
    min_price_fen: int
    min_price: str
    total_stock: int


class StoreHomeOut(Schema):
    store: StoreOut
    categories: list[CategoryRefOut]
    products: list[ProductCardOut]


class ShelfCategoryOut(Schema):
    id: int
    name: str
    slug: str


class CategoryShelfOut(Schema):
    category: ShelfCategoryOut
    products: list[ProductCardOut]


class ListingOptionOut(Schema):
    listing_id: int
    sku_id: int
    spec: dict[str, str]
    spec_label: str
    price_fen: int
    price: str
    suggested_price_fen: int
    stock: int


class ProductDetailOut(Schema):
    product_id: int = Field(alias="product.pk")
    name: str = Field(alias="product.name")
    subtitle: str = Field(alias="product.subtitle")
    description: str = Field(alias="product.description")
    category: ShelfCategoryOut = Field(alias="product.category")
    spec_names: list[str] = Field(alias="product.spec_names")
    image_urls: list[str]
    min_price_fen: int
    min_price: str
    total_stock: int
    options: list[ListingOptionOut]


class GuideIn(Schema):
    store_id: int
    phone: str = Field(min_length=1, max_length=20)
    display_name: str = Field(min_length=1, max_length=64)
    title: str = Field("", max_length=50)
    wechat: str = Field("", max_length=50)


class GuidePatch(Schema):
    store_id: int | None = None
    title: str | None = Field(None, max_length=50)
    wechat: str | None = Field(None, max_length=50)
    is_active: bool | None = None


class GuideOut(Schema):
    id: int
    user_id: int
    display_name: str = Field(alias="user.display_name")
    phone: str
    store_id: int
    store_name: str = Field(alias="store.name")
    title: str
    wechat: str
    is_active: bool


class PickIn(Schema):
    sku_id: int
    price_fen: int = Field(gt=0)
    pool_fen: int = Field(0, ge=0)
    merchant_id: int | None = None


class ListingPatch(Schema):
    price_fen: int | None = Field(None, gt=0)
    pool_fen: int | None = Field(None, ge=0)
    is_active: bool | None = None


class ListingOut(Schema):
    id: int
    sku_id: int
    sku_code: str = Field(alias="sku.code")
    product_id: int
    product_name: str = Field(alias="product.name")
    spec: dict[str, str] = Field(alias="sku.spec")
    supplier_name: str = Field(alias="sku.supplier.name")
    price_fen: int
    price: str
    pool_fen: int
    cost_fen: int = Field(alias="sku.cost_fen")
    stock: int = Field(alias="sku.stock")
    is_active: bool
    below_cost: bool  # Listing.below_cost, the rule of stores.pricing

    @staticmethod
    def resolve_price(obj: Listing) -> str:
        return fen_to_yuan(obj.price_fen)


class PickableSkuOut(Schema):
    sku_id: int = Field(alias="pk")
    code: str
    product_id: int
    product_name: str = Field(alias="product.name")
    category_name: str = Field(alias="product.category.name")
    supplier_name: str = Field(alias="supplier.name")
    spec: dict[str, str]
    cost_fen: int
    suggested_price_fen: int
    stock: int
    my_listing_id: int | None
    my_price_fen: int | None
    my_pool_fen: int | None
    my_listing_active: bool | None


class PickablePage(Schema):
    #: read from a core.paging.Page; its total is named `count` in this endpoint's JSON
    count: int = Field(alias="total")
    page: int
    page_size: int
    items: list[PickableSkuOut]


class ListingPage(Schema):
    #: read from a core.paging.Page; its total is named `count` in this endpoint's JSON
    count: int = Field(alias="total")
    page: int
    page_size: int
    items: list[ListingOut]
