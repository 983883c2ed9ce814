"""Catalog services (writes). Import from here: `from linkmall.catalog.services import product_create`."""

from linkmall.catalog.services.imports import import_job_create, import_job_run, import_job_store
from linkmall.catalog.services.products import (
    product_archive,
    product_create,
    product_get_for_update,
    product_image_add,
    product_image_delete,
    product_restore,
    product_update,
    sku_create,
    sku_update,
)
from linkmall.catalog.services.stock import (
    sku_stock_adjust,
    sku_stock_release,
    sku_stock_release_many,
    sku_stock_reserve,
    sku_stock_reserve_many,
)
from linkmall.catalog.services.suppliers import category_ensure, supplier_create
from linkmall.catalog.services.validation import SkuInput

__all__ = [
    "SkuInput",
    "category_ensure",
    "import_job_create",
    "import_job_run",
    "import_job_store",
    "product_archive",
    "product_create",
    "product_get_for_update",
    "product_image_add",
    "product_image_delete",
    "product_restore",
    "product_update",
    "sku_create",
    "sku_stock_adjust",
    "sku_stock_release",
    "sku_stock_release_many",
    "sku_stock_reserve",
    "sku_stock_reserve_many",
    "sku_update",
    "supplier_create",
]
