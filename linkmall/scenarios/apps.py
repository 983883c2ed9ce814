from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "linkmall.scenarios"
    label = "scenarios"
