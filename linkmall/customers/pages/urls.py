from django.urls import path

from linkmall.customers.pages import console, imports

app_name = "customers"

urlpatterns = [
    path("", console.customer_list, name="list"),
    path("export.csv", console.customer_export, name="export"),
    path("import/", imports.customer_import, name="import"),
    path("reminders/", console.reminder_list, name="reminders"),
    path("reminders/<int:reminder_id>/done/", console.reminder_done, name="reminder_done"),
    path("<int:profile_id>/", console.customer_detail, name="detail"),
    path("<int:profile_id>/tags/", console.tag_add, name="tag_add"),
    path("<int:profile_id>/tags/<int:tag_id>/remove/", console.tag_remove, name="tag_remove"),
    path("<int:profile_id>/notes/", console.note_add, name="note_add"),
    path("<int:profile_id>/reminders/", console.reminder_add, name="reminder_add"),
]
