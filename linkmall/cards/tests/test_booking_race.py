"""Customers racing for the last seats of a slot, in real threads on the real database."""

from datetime import datetime

import pytest

from linkmall.cards.models import Appointment, BookingSettings
from linkmall.cards.services import appointment_book
from linkmall.cards.slots import STORE_TZ
from linkmall.core import clock
from linkmall.core.errors import Conflict
from linkmall.testing import copies, make_consumer, race

pytestmark = pytest.mark.django_db(transaction=True)

SLOT = datetime(2026, 12, 2, 10, 0, tzinfo=STORE_TZ)


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(datetime(2026, 12, 1, 15, 0, tzinfo=STORE_TZ))
    yield
    clock.reset()


def test_two_customers_racing_for_a_one_seat_slot_get_one_booking_and_one_clear_refusal(shop):
    BookingSettings.objects.create(store=shop.store, capacity=1)
    customers = [make_consumer(), make_consumer()]

    results = race(*copies(lambda i: appointment_book(user=customers[i], store_id=shop.store.pk, starts_at=SLOT), 2))

    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(booked) == 1 and len(refused) == 1
    assert isinstance(refused[0], Conflict) and refused[0].code == "slot_full"
    assert list(Appointment.objects.values_list("seat", "status")) == [(1, "booked")]


def test_five_customers_racing_for_three_seats_fill_seats_one_to_three(shop):
    BookingSettings.objects.create(store=shop.store, capacity=3)
    customers = [make_consumer() for _ in range(5)]

    results = race(*copies(lambda i: appointment_book(user=customers[i], store_id=shop.store.pk, starts_at=SLOT), 5))

    assert sorted(type(r).__name__ for r in results) == ["Appointment"] * 3 + ["Conflict"] * 2
    assert sorted(Appointment.objects.values_list("seat", flat=True)) == [1, 2, 3]


def test_one_customer_double_tapping_books_once(shop):
    BookingSettings.objects.create(store=shop.store, capacity=4)
    customer = make_consumer()

    results = race(*copies(lambda i: appointment_book(user=customer, store_id=shop.store.pk, starts_at=SLOT), 2))

    assert sorted(type(r).__name__ for r in results) == ["Appointment", "Conflict"]
    assert [r.code for r in results if isinstance(r, Conflict)] == ["already_booked"]
    assert Appointment.objects.filter(user=customer).count() == 1
