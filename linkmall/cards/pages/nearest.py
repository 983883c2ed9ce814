"""Card pages: nearest."""

from django.http import Http404


def nearest(request, **kwargs):
    raise Http404
