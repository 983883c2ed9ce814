"""The promoter centre, mounted at /me/promoter/ (names live in the "referral" namespace)."""

from django.urls import path

from linkmall.referral.pages import promoter_views as views

urlpatterns = [
    path("", views.promoter_home, name="promoter_home"),
    path("rewards/", views.promoter_rewards, name="promoter_rewards"),
    path("team/", views.promoter_team, name="promoter_team"),
    path("withdrawals/", views.promoter_withdrawals, name="promoter_withdrawals"),
    path("withdraw/", views.promoter_withdraw, name="promoter_withdraw"),
    path("qr.png", views.promoter_qr, name="promoter_qr"),
    path("poster.png", views.promoter_poster, name="promoter_poster"),
]
