"""Card pages: share."""

from django.http import Http404


def card_qr(request, **kwargs):
    raise Http404


def card_poster(request, **kwargs):
    raise Http404
