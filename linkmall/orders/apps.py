from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "linkmall.orders"
    label = "orders"

    def ready(self) -> None:
        # share-to-get and invite campaigns become reportable (their models live in campaigns)
        from linkmall.orders.campaign_subjects import register

        register()
