"""Card pages: card."""

from django.http import Http404


def card_page(request, **kwargs):
    raise Http404


def card_vcard(request, **kwargs):
    raise Http404
