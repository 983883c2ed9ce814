from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "linkmall.aftersales"
    label = "aftersales"
