from django.urls import path

from linkmall.stores.pages import views

app_name = "stores"

urlpatterns = [
    path("", views.listing_list, name="listings"),
    path("listings/<int:listing_id>/", views.listing_save, name="listing_save"),
    path("catalog/", views.catalog_browse, name="catalog"),
    path("catalog/<int:sku_id>/pick/", views.pick, name="pick"),
    path("stores/", views.store_list, name="stores"),
    path("stores/<int:store_id>/", views.store_edit, name="store_edit"),
    path("guides/", views.guide_list, name="guides"),
    path("guides/<int:guide_id>/toggle/", views.guide_toggle, name="guide_toggle"),
]
