"""Card pages: holder."""

from django.http import Http404


def card_save(request, **kwargs):
    raise Http404


def card_remove(request, **kwargs):
    raise Http404


def holder_list(request, **kwargs):
    raise Http404
