from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "linkmall.stores"
    label = "stores"
