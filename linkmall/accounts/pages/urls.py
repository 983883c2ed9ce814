from django.urls import path

from linkmall.accounts.pages import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.sms_login_page, name="login"),
    path("staff/login/", views.staff_login_page, name="staff_login"),
    path("logout/", views.logout_page, name="logout"),
]
