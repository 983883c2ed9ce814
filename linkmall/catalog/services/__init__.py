"""Catalog services (writes). Import from here: `from linkmall.catalog.services import product_create`."""

from linkmall.catalog.services.stock import sku_stock_adjust, sku_stock_release, sku_stock_reserve

__all__ = [
    "sku_stock_adjust",
    "sku_stock_release",
    "sku_stock_reserve",
]
