"""The store staff's redemption page. config/urls.py mounts these in the `orders` namespace
(`orders:redeem`), where the rest of the order pages are; the views live in aftersales."""

from django.urls import URLPattern, URLResolver, path

from linkmall.aftersales.pages import redeem, redemption_report

urlpatterns: list[URLPattern | URLResolver] = [
    path("staff/redeem/", redeem.redeem_page, name="redeem"),
    path("staff/redeem/received/<int:order_id>/", redeem.redeem_received, name="redeem_received"),
    path("console/merchant/redemptions/report/", redemption_report.redemption_report_page, name="redemption_report"),
]
