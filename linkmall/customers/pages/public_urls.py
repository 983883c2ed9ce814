from django.urls import path

from linkmall.customers.pages import public

app_name = "customers_public"

urlpatterns = [
    path("privacy/tracking/", public.privacy, name="privacy"),
]
