from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "linkmall.cards"
    label = "cards"
    verbose_name = "AI business cards"
