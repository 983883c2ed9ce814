"""Helpers of the card pages: guide-only pages and customers' forms on a card."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import forbidden, role_required
from linkmall.accounts.selectors import login_url_for_roles
from linkmall.core.errors import NotFound
from linkmall.stores.models import Guide

guide_required = role_required(Role.GUIDE)


def or_404(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def guide_page(view):
    """A page of the logged-in guide's own workspace: `request.guide` is their active Guide row."""

    @guide_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        guide = Guide.objects.select_related("store__merchant", "user").filter(user=request.user).first()
        if guide is None or not guide.is_active:
            raise Http404("No guide profile.")
        request.guide = guide
        return view(request, *args, **kwargs)

    return wrapped


def consumer_post(view, *, back):
    """A customer's form on a card (save, book). An anonymous visitor logs in by SMS and comes back to
    the page the form was on (`back(request, **kwargs)`), since a POST cannot be replayed; a
    logged-in user of another role gets the 403 page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.is_active and user.role == Role.CONSUMER:
            return view(request, *args, **kwargs)
        if user.is_authenticated:
            return forbidden(request, roles=(Role.CONSUMER,))
        return redirect_to_login(back(request, *args, **kwargs), login_url_for_roles(Role.CONSUMER))

    return wrapped
