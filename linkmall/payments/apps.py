from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "linkmall.payments"
    label = "payments"
