from django.urls import path

from linkmall.customers.scoring.pages import views

app_name = "layers"

urlpatterns = [
    path("", views.layer_overview, name="overview"),
    path("recompute/", views.layer_recompute, name="recompute"),
    path("intent/train/", views.intent_train, name="intent_train"),
    path("settings/", views.layer_settings, name="settings"),
    path("runs/<int:run_id>/changes/", views.layer_changes, name="changes"),
    path("runs/<int:run_id>/changes.csv", views.layer_changes_csv, name="changes_csv"),
]
