"""Page guards other apps put on their views.

Anonymous visitors go to the login page that fits the page (phone code for consumer pages,
password for consoles) and come back through ?next=. A logged-in user of the wrong role gets
the 403 page, not a login loop.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from linkmall.accounts.models import Role
from linkmall.accounts.selectors import login_url_for_roles


def forbidden(request, *, roles: tuple[str, ...] = ()):
    return render(request, "accounts/forbidden.html", {"allowed_roles": roles}, status=403)


def role_required(*roles: str) -> Callable:
    """Only users of `roles` may open the page. Platform staff must be listed to enter."""
    if not roles:
        raise ValueError("role_required needs at least one role")

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), login_url_for_roles(*roles))
            if not user.is_active or user.role not in roles:
                return forbidden(request, roles=roles)
            return view(request, *args, **kwargs)

        return guarded

    return decorator


#: consumer pages: cart, checkout, my orders, my after-sales
consumer_required = role_required(Role.CONSUMER)


def safe_next(request, fallback):
    """Where to go after a form or a login: the posted or asked-for `next` when it points into this
    site, else `fallback`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                      require_https=request.is_secure()):
        return candidate
    return fallback


def consumer_page(view=None, *, back=None):
    """Consumers only. Anyone else logs in by phone first and comes back: to `back(request, *args,
    **kwargs)` when given (a form on another page), else to this page after a GET, or to the form's
    `next` field after a POST, since a redirect cannot replay a POST. A logged-in user of another
    role gets the 403 page. Use as `@consumer_page` or `consumer_page(view, back=...)`."""
    if view is None:
        return lambda view: consumer_page(view, back=back)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.is_active and user.role == Role.CONSUMER:
            return view(request, *args, **kwargs)
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
