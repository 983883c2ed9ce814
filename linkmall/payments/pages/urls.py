from django.urls import URLPattern, URLResolver, path

from linkmall.payments.pages import views

app_name = "payments"

urlpatterns: list[URLPattern | URLResolver] = [
    path("sandbox/pay/<str:out_trade_no>/", views.sandbox_pay, name="sandbox_pay"),
    path("console/merchant/campaigns/group/members/<int:member_id>/refund-retry/", views.group_refund_retry_page,
         name="group_refund_retry"),
]
