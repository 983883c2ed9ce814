from django.urls import include, path

app_name = "referral"

urlpatterns = [
    path("me/promoter/", include("linkmall.referral.pages.promoter_urls")),
    path("ops/referral/", include("linkmall.referral.pages.operator_urls")),
]
