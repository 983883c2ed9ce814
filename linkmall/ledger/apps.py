from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "linkmall.ledger"
    label = "ledger"
