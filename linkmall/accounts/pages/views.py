"""Login pages: consumer phone + SMS code, staff username + password, logout. Django sessions."""

from django.contrib.auth import login, logout
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from linkmall.accounts import selectors, services
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import safe_next
from linkmall.accounts.pages.forms import SmsLoginForm, StaffLoginForm
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError

SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"
#: what the login pages say for a refusal whose code has no text of its own
LOGIN_FAILED = gettext_lazy("操作失败，请重试。")


@never_cache
@csrf_protect
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def sms_login_page(request):
    form = SmsLoginForm(request.POST or None)
    context = {"form": form, "next": safe_next(request, ""), "code_sent": False, "error": None}
    if request.method == "POST" and form.is_valid():
        phone, code = form.cleaned_data["phone"], form.cleaned_data["code"]
        try:
            if request.POST.get("action") == "send_code":
                services.sms_code_request(phone=phone)
                context["code_sent"] = True
                context["policy"] = selectors.sms_code_policy()
            else:
                user = services.sms_login(phone=phone, code=code)
                login(request, user, backend=SESSION_BACKEND)
                return HttpResponseRedirect(safe_next(request, None) or selectors.user_home_url(user=user))
        except DomainError as exc:
            context["error"] = error_text(exc, default=LOGIN_FAILED)
    status = 400 if request.method == "POST" and (context["error"] or not form.is_valid()) else 200
    return render(request, "accounts/sms_login.html", context, status=status)


@never_cache
@csrf_protect
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def staff_login_page(request):
    form = StaffLoginForm(request.POST or None)
    context = {"form": form, "next": safe_next(request, ""), "error": None}
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_login(
                username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except DomainError as exc:
            context["error"] = error_text(exc, default=LOGIN_FAILED)
        else:
            login(request, user, backend=SESSION_BACKEND)
            return HttpResponseRedirect(safe_next(request, None) or selectors.user_home_url(user=user))
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/staff_login.html", context, status=status)


@require_POST
def logout_page(request):
    was_staff = request.user.is_authenticated and request.user.role != Role.CONSUMER
    logout(request)
    default = selectors.STAFF_LOGIN_URL if was_staff else "/"
    return HttpResponseRedirect(safe_next(request, None) or default)
