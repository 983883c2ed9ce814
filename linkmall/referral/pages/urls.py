from django.urls import include, path

from linkmall.referral.pages import promoter_views

app_name = "referral"

urlpatterns = [
    path("me/promoter/", include("linkmall.referral.pages.promoter_urls")),
    path("ops/referral/", include("linkmall.referral.pages.operator_urls")),
    path("r/<str:code>/", promoter_views.share_visit, name="share_visit"),
]
