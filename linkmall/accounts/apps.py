from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "linkmall.accounts"
    label = "accounts"
