"""Page guards other apps put on their views.

Anonymous visitors go to the login page that fits the page (phone code for consumer pages,
password for consoles) and come back through ?next=. A logged-in user of the wrong role gets
the 403 page, not a login loop.
"""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, Protocol, TypeVar, cast, overload

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from linkmall.accounts.models import Role
from linkmall.accounts.selectors import login_url_for_roles

_P = ParamSpec("_P")
_Req = TypeVar("_Req", bound=HttpRequest)
_R = TypeVar("_R", bound=HttpResponseBase)


class Guard(Protocol):
    """What `role_required(...)` and `consumer_page(back=...)` give: it turns a view into one that takes
    any request, keeps the view's other parameters, and answers for the view (a login redirect or the
    403 page) when the user may not open it. Behind it the view may declare
    `request: linkmall.accounts.http.UserRequest`."""

    def __call__(
        self, view: Callable[Concatenate[_Req, _P], _R], /
    ) -> Callable[Concatenate[HttpRequest, _P], _R | HttpResponse]: ...


def forbidden(request: HttpRequest, *, roles: tuple[str, ...] = ()) -> HttpResponse:
    return render(request, "accounts/forbidden.html", {"allowed_roles": roles}, status=403)


def role_required(*roles: str) -> Guard:
    """Only users of `roles` may open the page. Platform staff must be listed to enter."""
    if not roles:
        raise ValueError("role_required needs at least one role")

    def decorator(view: Callable[Concatenate[_Req, _P], _R]) -> Callable[Concatenate[HttpRequest, _P], _R | HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: _P.args, **kwargs: _P.kwargs) -> _R | HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), login_url_for_roles(*roles))
            if not user.is_active or user.role not in roles:
                return forbidden(request, roles=roles)
            # the user has logged in: the request is what the view may declare (a UserRequest)
            return view(cast(_Req, request), *args, **kwargs)

        return guarded

    return decorator


#: consumer pages: cart, checkout, my orders, my after-sales
consumer_required: Guard = role_required(Role.CONSUMER)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go after a form or a login: the posted or asked-for `next` when it points into this
    site, else `fallback`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                      require_https=request.is_secure()):
        return candidate
    return fallback


@overload
def consumer_page(
    view: Callable[Concatenate[_Req, _P], _R], *, back: Callable[Concatenate[HttpRequest, _P], str] | None = None
) -> Callable[Concatenate[HttpRequest, _P], _R | HttpResponse]: ...
@overload
def consumer_page(view: None = None, *, back: Callable[..., str] | None = None) -> Guard: ...
def consumer_page(
    view: Callable[Concatenate[_Req, _P], _R] | None = None, *, back: Callable[..., str] | None = None
) -> Callable[Concatenate[HttpRequest, _P], _R | HttpResponse] | Guard:
    """Consumers only. Anyone else logs in by phone first and comes back: to `back(request, *args,
    **kwargs)` when given (a form on another page), else to this page after a GET, or to the form's
    `next` field after a POST, since a redirect cannot replay a POST. A logged-in user of another
    role gets the 403 page. Use as `@consumer_page` or `consumer_page(view, back=...)`."""
    guard = _consumer_guard(back)
    return guard if view is None else guard(view)


def _consumer_guard(back: Callable[..., str] | None) -> Guard:
    def decorator(view: Callable[Concatenate[_Req, _P], _R]) -> Callable[Concatenate[HttpRequest, _P], _R | HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: _P.args, **kwargs: _P.kwargs) -> _R | HttpResponse:
            user = request.user
            if user.is_authenticated and user.is_active and user.role == Role.CONSUMER:
                # the consumer has logged in: the request is what the view may declare (a UserRequest)
                return view(cast(_Req, request), *args, **kwargs)
            if user.is_authenticated:
                return forbidden(request, roles=(Role.CONSUMER,))
            if back is not None:
                target = back(request, *args, **kwargs)
            elif request.method == "GET":
                target = request.get_full_path()
            else:
                target = safe_next(request, "/")
            return redirect_to_login(target, login_url_for_roles(Role.CONSUMER))

        return wrapped

    return decorator
