"""Helpers of the card pages: guide-only pages and customers' forms on a card."""

from functools import wraps

from django.http import Http404

from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
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
