from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "linkmall.web"
    label = "web"
