"""Card pages: promotions."""

from django.http import Http404


def promotion_list(request, **kwargs):
    raise Http404


def promotion_edit(request, **kwargs):
    raise Http404


def promotion_delete(request, **kwargs):
    raise Http404
