from decimal import Decimal

from ninja import Schema
from pydantic import Field

from linkmall.core.money import fen_to_yuan


class StoreOut(Schema):
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
    is_active: bool

    @staticmethod
    def resolve_merchant_name(obj) -> str:
        return obj.merchant.name


class NearbyStoreOut(Schema):
    store: StoreOut
    distance_m: int


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
    product_id: int
    name: str
    subtitle: str
    description: str
    category: ShelfCategoryOut
    spec_names: list[str]
    image_urls: list[str]
    min_price_fen: int
    min_price: str
    total_stock: int
    options: list[ListingOptionOut]

    @staticmethod
    def resolve_product_id(obj) -> int:
        return obj.product.pk

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_subtitle(obj) -> str:
        return obj.product.subtitle

    @staticmethod
    def resolve_description(obj) -> str:
        return obj.product.description

    @staticmethod
    def resolve_category(obj):
        return obj.product.category

    @staticmethod
    def resolve_spec_names(obj) -> list[str]:
        return obj.product.spec_names


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
    display_name: str
    phone: str
    store_id: int
    store_name: str
    title: str
    wechat: str
    is_active: bool

    @staticmethod
    def resolve_display_name(obj) -> str:
        return obj.user.display_name

    @staticmethod
    def resolve_store_name(obj) -> str:
        return obj.store.name


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
    sku_code: str
    product_id: int
    product_name: str
    spec: dict[str, str]
    supplier_name: str
    price_fen: int
    price: str
    pool_fen: int
    cost_fen: int
    stock: int
    is_active: bool
    below_cost: bool

    @staticmethod
    def resolve_sku_code(obj) -> str:
        return obj.sku.code

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_spec(obj) -> dict:
        return obj.sku.spec

    @staticmethod
    def resolve_supplier_name(obj) -> str:
        return obj.sku.supplier.name

    @staticmethod
    def resolve_price(obj) -> str:
        return fen_to_yuan(obj.price_fen)

    @staticmethod
    def resolve_cost_fen(obj) -> int:
        return obj.sku.cost_fen

    @staticmethod
    def resolve_stock(obj) -> int:
        return obj.sku.stock

    @staticmethod
    def resolve_below_cost(obj) -> bool:
        return obj.price_fen < obj.sku.cost_fen


class PickableSkuOut(Schema):
    sku_id: int
    code: str
    product_id: int
    product_name: str
    category_name: str
    supplier_name: str
    spec: dict[str, str]
    cost_fen: int
    suggested_price_fen: int
    stock: int
    my_listing_id: int | None
    my_price_fen: int | None
    my_pool_fen: int | None
    my_listing_active: bool | None

    @staticmethod
    def resolve_sku_id(obj) -> int:
        return obj.pk

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_category_name(obj) -> str:
        return obj.product.category.name

    @staticmethod
    def resolve_supplier_name(obj) -> str:
        return obj.supplier.name


class PickablePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PickableSkuOut]


class ListingPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ListingOut]
