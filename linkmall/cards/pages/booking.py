"""Card pages: booking."""

from django.http import Http404


def card_book(request, **kwargs):
    raise Http404


def my_bookings(request, **kwargs):
    raise Http404


def my_booking_cancel(request, **kwargs):
    raise Http404


def guide_bookings(request, **kwargs):
    raise Http404


def guide_bookings_json(request, **kwargs):
    raise Http404
