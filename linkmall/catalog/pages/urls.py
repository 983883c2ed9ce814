from django.urls import path

from linkmall.catalog.pages import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list, name="products"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:product_id>/", views.product_edit, name="product_edit"),
    path("products/<int:product_id>/status/", views.product_status, name="product_status"),
    path("products/<int:product_id>/images/", views.product_image_add, name="product_image_add"),
    path("products/<int:product_id>/skus/", views.sku_add, name="sku_add"),
    path("skus/<int:sku_id>/", views.sku_save, name="sku_save"),
    path("skus/<int:sku_id>/stock/", views.sku_stock, name="sku_stock"),
    path("imports/", views.import_list, name="imports"),
    path("imports/template.csv", views.import_template, name="import_template"),
    path("imports/<int:job_id>/", views.import_detail, name="import_detail"),
]
