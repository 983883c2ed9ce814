from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from config.api import api
from linkmall.aftersales.pages import redeem_urls
from linkmall.core.views import api_not_found
from linkmall.orders.pages import urls as orders_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("linkmall.accounts.pages.urls")),
    path("console/supplier/", include("linkmall.catalog.pages.urls")),
    path("console/merchant/", include("linkmall.stores.pages.urls")),
    path("console/customers/", include("linkmall.customers.pages.urls")),
    path("console/layers/", include("linkmall.customers.scoring.pages.urls")),
    path("", include("linkmall.customers.pages.public_urls")),
    path("", include("linkmall.cards.pages.urls")),
    path("", include("linkmall.campaigns.pages.urls")),
    # the store staff's 核销 page lives in aftersales (it reads after-sales requests) but is named
    # orders:redeem, beside the other order pages (docs/o2o.md)
    path("", include((orders_urls.urlpatterns + redeem_urls.urlpatterns, "orders"))),
    path("", include("linkmall.payments.pages.urls")),
    path("", include("linkmall.aftersales.pages.urls")),
    path("", include("linkmall.referral.pages.urls")),
    path("", include("linkmall.ledger.pages.urls")),
    path("", include("linkmall.web.urls")),
    path("", include("linkmall.analytics.urls")),  # 转型成效 (docs/analytics.md)
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
