from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "linkmall.analytics"
    label = "analytics"
