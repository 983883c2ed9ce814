from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "linkmall.core"
    label = "core"
