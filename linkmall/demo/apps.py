from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "linkmall.demo"
    label = "demo"
    verbose_name = "Demo data"
