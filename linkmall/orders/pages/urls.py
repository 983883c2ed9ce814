from django.urls import URLPattern, URLResolver, path

from linkmall.orders.pages import campaign_reports, views

app_name = "orders"

urlpatterns: list[URLPattern | URLResolver] = [
    path("console/supplier/fulfilments/", views.supplier_fulfilments, name="supplier_fulfilments"),
    path(
        "console/supplier/fulfilments/<int:fulfilment_id>/ship/",
        views.supplier_fulfilment_ship,
        name="supplier_fulfilment_ship",
    ),
    path("console/merchant/orders/", views.merchant_orders, name="merchant_orders"),
    path("console/merchant/campaigns/<slug:kind>/<int:campaign_id>/report/", campaign_reports.campaign_report_page,
         name="campaign_report"),
]
