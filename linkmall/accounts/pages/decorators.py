"""Page guards other apps put on their views.

Anonymous visitors go to the login page that fits the page (phone code for consumer pages,
password for consoles) and come back through ?next=. A logged-in user of the wrong role gets
the 403 page, not a login loop.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

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
