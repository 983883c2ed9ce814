from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "linkmall.catalog"
    label = "catalog"
