"""After-sales pages, included at the site root: the consumer's under /aftersales/, the consoles'
under /console/supplier/aftersales/ and /console/merchant/aftersales/."""

from django.urls import path

from linkmall.aftersales.pages import views

app_name = "aftersales"

urlpatterns = [
    path("aftersales/", views.mine, name="mine"),
    path("aftersales/new/<int:line_id>/", views.new, name="new"),
    path("aftersales/<int:pk>/", views.detail, name="detail"),
    path("aftersales/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("aftersales/<int:pk>/return/", views.return_ship, name="return_ship"),
    path("console/supplier/aftersales/", views.supplier_list, name="supplier_list"),
    path("console/supplier/aftersales/<int:pk>/", views.supplier_detail, name="supplier_detail"),
    path(
        "console/supplier/aftersales/<int:pk>/<slug:action>/", views.supplier_decide, name="supplier_decide"
    ),
    path("console/merchant/aftersales/", views.merchant_list, name="merchant_list"),
    path("console/merchant/aftersales/<int:pk>/", views.merchant_detail, name="merchant_detail"),
    path(
        "console/merchant/aftersales/<int:pk>/<slug:action>/", views.merchant_decide, name="merchant_decide"
    ),
]
