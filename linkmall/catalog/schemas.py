from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from ninja import Schema
from pydantic import Field

from linkmall.catalog.models import ImportJob, Product, Sku
from linkmall.core.money import fen_to_yuan

if TYPE_CHECKING:
    # an Annotated alias, which Python 3.11 cannot subscript with two arguments at run time
    from django_stubs_ext import WithAnnotations


class CategoryOut(Schema):
    id: int
    name: str
    slug: str
    parent_id: int | None


class SkuIn(Schema):
    code: str = Field(min_length=1, max_length=64)
    spec: dict[str, str] = {}
    cost_fen: int = Field(ge=0)
    suggested_price_fen: int = Field(gt=0)
    stock: int = Field(0, ge=0)


class ProductIn(Schema):
    category_id: int
    name: str = Field(min_length=1, max_length=120)
    subtitle: str = Field("", max_length=200)
    description: str = Field("", max_length=20000)
    spec_names: list[str] = []
    skus: list[SkuIn] = Field(min_length=1, max_length=200)
    #: platform staff name the supplier; supplier staff always write their own
    supplier_id: int | None = None


class ProductPatch(Schema):
    category_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=120)
    subtitle: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=20000)


class SkuPatch(Schema):
    cost_fen: int | None = Field(None, ge=0)
    suggested_price_fen: int | None = Field(None, gt=0)
    is_active: bool | None = None


class StockAdjustIn(Schema):
    delta: int = Field(ge=-10_000_000, le=10_000_000)


class StockOut(Schema):
    sku_id: int
    stock: int


class SkuOut(Schema):
    id: int
    product_id: int
    code: str
    spec: dict[str, str]
    cost_fen: int
    cost: str
    suggested_price_fen: int
    suggested_price: str
    stock: int
    is_active: bool

    @staticmethod
    def resolve_cost(obj: Sku) -> str:
        return fen_to_yuan(obj.cost_fen)

    @staticmethod
    def resolve_suggested_price(obj: Sku) -> str:
        return fen_to_yuan(obj.suggested_price_fen)


class ImageOut(Schema):
    id: int
    url: str = Field(alias="image.url")
    position: int


class ProductOut(Schema):
    id: int
    supplier_id: int
    category: CategoryOut
    name: str
    subtitle: str
    description: str
    spec_names: list[str]
    status: str
    #: reverse relations: ninja's getter lists a related manager itself
    images: list[ImageOut]
    skus: list[SkuOut]


class _ProductListAnnotations(TypedDict):
    """What `selectors.product_list` annotates each product with."""

    sku_count: int
    total_stock: int | None
    min_suggested_price_fen: int | None


class ProductListItem(Schema):
    id: int
    name: str
    category_name: str = Field(alias="category.name")
    status: str
    sku_count: int
    total_stock: int
    min_suggested_price_fen: int | None

    @staticmethod
    def resolve_total_stock(obj: "WithAnnotations[Product, _ProductListAnnotations]") -> int:
        return obj.total_stock or 0


class ProductPage(Schema):
    #: read from a core.paging.Page; its total is named `count` in this endpoint's JSON
    count: int = Field(alias="total")
    page: int
    page_size: int
    items: list[ProductListItem]


class ImportJobOut(Schema):
    id: int
    status: str
    original_name: str
    total_rows: int
    processed_rows: int
    imported_rows: int
    percent: int
    errors: list[dict]
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_percent(obj: ImportJob) -> int:
        if obj.status in ("done", "failed"):
            return 100
        return obj.processed_rows * 100 // obj.total_rows if obj.total_rows else 0
