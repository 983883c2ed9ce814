from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "linkmall.orders"
    label = "orders"
