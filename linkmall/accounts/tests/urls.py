"""The project's URLs plus two guarded pages, to test the page decorators."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import consumer_required, role_required


@consumer_required
def my_orders(request):
    return HttpResponse(f"orders of {request.user.pk}")


@role_required(Role.SUPPLIER_STAFF, Role.PLATFORM)
def supplier_console(request, supplier_id):
    return HttpResponse(f"console {supplier_id}")


urlpatterns = [
    path("test/my-orders/", my_orders),
    path("test/console/<int:supplier_id>/", supplier_console),
    *project_urlpatterns,
]
