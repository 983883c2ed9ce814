"""The analytics pages (docs/analytics.md)."""

from django.urls import path

from linkmall.analytics import pages

app_name = "analytics"

urlpatterns = [
    path("console/merchant/analytics/before-after/", pages.before_after_page, name="before_after"),
]
