"""Campaign pages, mounted at the site root: the wallet, a merchant's claim centre, the merchant console."""

from django.urls import path

from linkmall.campaigns.pages import console, consumer

app_name = "campaigns"

urlpatterns = [
    path("me/coupons/", consumer.wallet, name="wallet"),
    path("shop/<int:merchant_id>/coupons/", consumer.claim_centre, name="claim_centre"),
    path("console/merchant/campaigns/", console.console, name="console"),
    path("console/merchant/campaigns/promotions/new/", console.promotion_new, name="promotion_new"),
    path("console/merchant/campaigns/promotions/<int:promotion_id>/status/", console.promotion_status,
         name="promotion_status"),
    path("console/merchant/campaigns/coupons/new/", console.template_new, name="template_new"),
    path("console/merchant/campaigns/coupons/<int:template_id>/status/", console.template_status,
         name="template_status"),
]
