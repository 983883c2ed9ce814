"""Card pages: editor."""

from django.http import Http404


def card_edit(request, **kwargs):
    raise Http404
