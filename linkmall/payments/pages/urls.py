from django.urls import path

from linkmall.payments.pages import views

app_name = "payments"

urlpatterns: list = [
    path("sandbox/pay/<str:out_trade_no>/", views.sandbox_pay, name="sandbox_pay"),
]
