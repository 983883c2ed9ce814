from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "linkmall.customers"
    label = "customers"
