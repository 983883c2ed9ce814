"""Booking a store visit: the slot grid in store time, no double booking, cancelling, and the guide's list."""

from datetime import UTC, datetime, time

import pytest
from django.urls import reverse

from linkmall.cards.models import Appointment, BookingSettings
from linkmall.cards.services import appointment_book, appointment_cancel
from linkmall.cards.slots import STORE_TZ, open_slots
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkmall.customers.models import Event, Profile
from linkmall.testing import make_consumer, make_guide, make_merchant, make_store

pytestmark = pytest.mark.django_db

#: Tuesday 1 December 2026, 15:10 in Hangzhou
NOW = datetime(2026, 12, 1, 15, 10, tzinfo=STORE_TZ)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=STORE_TZ)


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(NOW)
    yield
    clock.reset()


def test_a_store_without_settings_offers_half_hours_from_ten_to_nine_for_fourteen_days(shop):
    days = open_slots(store=shop.store)

    assert len(days) == 14
    assert [s.starts_at for s in days[0].slots][:2] == [at(1, 15, 30), at(1, 16, 0)]  # 15:00 is past
    assert days[0].slots[-1].starts_at == at(1, 20, 30)  # the last slot ends at closing time
    assert [s.starts_at for s in days[1].slots][:1] == [at(2, 10, 0)] and len(days[1].slots) == 22
    assert days[-1].day.isoformat() == "2026-12-14"


def test_full_slots_are_not_offered_and_cancelled_seats_come_back(shop):
    BookingSettings.objects.create(store=shop.store, opens_at=time(10), closes_at=time(12), slot_minutes=60,
                                   capacity=1, days_ahead=2)
    booked = appointment_book(user=make_consumer(), store_id=shop.store.pk, starts_at=at(2, 10))

    assert [s.starts_at for d in open_slots(store=shop.store) for s in d.slots] == [at(2, 11)]
    appointment_cancel(user=booked.user, appointment_id=booked.pk)
    assert [s.starts_at for d in open_slots(store=shop.store) for s in d.slots] == [at(2, 10), at(2, 11)]


def test_booking_takes_the_lowest_free_seat_records_a_book_event_and_touches_the_profile(shop):
    BookingSettings.objects.create(store=shop.store, capacity=2)
    first, second = make_consumer(), make_consumer()

    a = appointment_book(user=first, store_id=shop.store.pk, starts_at=at(2, 10), guide_id=shop.guide.pk, note="试色")
    b = appointment_book(user=second, store_id=shop.store.pk, starts_at=at(2, 10), guide_id=shop.guide.pk)

    assert (a.seat, b.seat, a.status, a.note, a.guide_id) == (1, 2, "booked", "试色", shop.guide.pk)
    event = Event.objects.get(user=first)
    assert (event.kind, event.merchant_id, event.store_id, event.guide_id, event.section) == (
        "book", shop.merchant.pk, shop.store.pk, shop.guide.pk, "booking")
    assert Profile.objects.get(user=first, merchant=shop.merchant).guide_id == shop.guide.pk
    with pytest.raises(Conflict) as full:
        appointment_book(user=make_consumer(), store_id=shop.store.pk, starts_at=at(2, 10))
    assert full.value.code == "slot_full"
    assert Appointment.objects.count() == 2


def test_one_customer_cannot_book_the_same_slot_twice(shop):
    BookingSettings.objects.create(store=shop.store, capacity=3)
    customer = make_consumer()
    appointment_book(user=customer, store_id=shop.store.pk, starts_at=at(2, 10))

    with pytest.raises(Conflict) as again:
        appointment_book(user=customer, store_id=shop.store.pk, starts_at=at(2, 10))

    assert again.value.code == "already_booked"
    assert Appointment.objects.count() == 1 and Event.objects.count() == 1


@pytest.mark.parametrize(("starts_at", "code"), [
    (at(2, 10, 15), "invalid_slot"),  # off the half-hour grid
    (at(2, 21, 0), "invalid_slot"),  # would end after closing
    (at(2, 9, 30), "invalid_slot"),  # before opening
    (at(1, 15, 0), "slot_unavailable"),  # already started
    (at(15, 10, 0), "slot_unavailable"),  # beyond the fourteen days
    (datetime(2026, 12, 2, 10, 0), "invalid_slot"),  # no time zone
])
def test_a_time_that_is_not_a_free_slot_is_refused_and_nothing_is_booked(shop, starts_at, code):
    with pytest.raises((InvalidInput, Conflict)) as refused:
        appointment_book(user=make_consumer(), store_id=shop.store.pk, starts_at=starts_at)

    assert refused.value.code == code
    assert Appointment.objects.count() == 0 and Event.objects.count() == 0


def test_a_slot_is_the_same_instant_whatever_offset_it_is_written_in(shop):
    utc = at(2, 10).astimezone(UTC)

    booked = appointment_book(user=make_consumer(), store_id=shop.store.pk, starts_at=utc)

    assert booked.starts_at == at(2, 10)


def test_only_customers_book_and_only_with_a_guide_of_that_store(shop):
    with pytest.raises(PermissionDenied):
        appointment_book(user=shop.guide.user, store_id=shop.store.pk, starts_at=at(2, 10))
    other_store_guide = make_guide(make_store(shop.merchant))
    with pytest.raises(NotFound):
        appointment_book(user=make_consumer(), store_id=shop.store.pk, starts_at=at(2, 10),
                         guide_id=other_store_guide.pk)
    with pytest.raises(InvalidInput):
        appointment_book(user=make_consumer(), store_id=shop.store.pk, starts_at=at(2, 10), note="长" * 201)
    assert Appointment.objects.count() == 0


def test_a_customer_cancels_only_their_own_future_booking_and_twice_is_harmless(shop):
    customer, stranger = make_consumer(), make_consumer()
    booked = appointment_book(user=customer, store_id=shop.store.pk, starts_at=at(1, 16))

    with pytest.raises(NotFound):
        appointment_cancel(user=stranger, appointment_id=booked.pk)
    assert Appointment.objects.get().status == "booked"

    cancelled = appointment_cancel(user=customer, appointment_id=booked.pk)
    again = appointment_cancel(user=customer, appointment_id=booked.pk)
    assert (cancelled.status, cancelled.seat, again.status) == ("cancelled", None, "cancelled")
    rebooked = appointment_book(user=customer, store_id=shop.store.pk, starts_at=at(1, 16))
    assert rebooked.seat == 1


def test_a_started_booking_can_no_longer_be_cancelled(shop):
    customer = make_consumer()
    booked = appointment_book(user=customer, store_id=shop.store.pk, starts_at=at(1, 16))
    clock.freeze(at(1, 16, 5))

    with pytest.raises(Conflict) as refused:
        appointment_cancel(user=customer, appointment_id=booked.pk)

    assert refused.value.code == "not_cancellable"
    assert Appointment.objects.get().status == "booked"


# --- pages ------------------------------------------------------------------------------------


def test_the_booking_page_lists_the_free_slots_of_a_day(client, shop):
    response = client.get(reverse("cards:card_book", args=[shop.guide.pk]) + "?day=2026-12-03")

    assert response.status_code == 200
    assert f'value="{at(3, 10).isoformat()}"' in response.text
    assert f'value="{at(1, 15, 30).isoformat()}"' not in response.text


def test_booking_on_the_page_asks_an_anonymous_visitor_to_log_in_and_come_back(client, shop):
    url = reverse("cards:card_book", args=[shop.guide.pk])

    response = client.post(url, {"slot": at(2, 10).isoformat()})

    assert response.status_code == 302
    assert response.url == f"/login/?next={url}"
    assert Appointment.objects.count() == 0


def test_booking_a_full_slot_on_the_page_says_so(client, shop):
    BookingSettings.objects.create(store=shop.store, capacity=1)
    appointment_book(user=make_consumer(), store_id=shop.store.pk, starts_at=at(2, 10))
    client.force_login(make_consumer())

    response = client.post(reverse("cards:card_book", args=[shop.guide.pk]), {"slot": at(2, 10).isoformat()})

    assert response.status_code == 409
    assert "这个时段已约满，请换个时间。" in response.text
    assert Appointment.objects.count() == 1


def test_a_garbled_slot_is_a_form_error_not_a_crash(client, shop):
    client.force_login(make_consumer())

    response = client.post(reverse("cards:card_book", args=[shop.guide.pk]), {"slot": "tomorrow-ish"})

    assert response.status_code == 400
    assert "请选择一个可预约的时段。" in response.text


def test_booking_on_the_page_lands_on_my_bookings(client, shop):
    customer = make_consumer()
    client.force_login(customer)

    response = client.post(reverse("cards:card_book", args=[shop.guide.pk]),
                           {"slot": at(2, 10).isoformat(), "note": "带朋友"}, follow=True)

    assert response.redirect_chain == [(reverse("cards:my_bookings"), 302)]
    assert "预约成功：12-02 10:00，湖滨银泰店" in response.text
    assert Appointment.objects.get(user=customer).guide_id == shop.guide.pk


def test_the_guide_sees_their_upcoming_bookings_as_a_page_json_and_csv(client, shop, django_assert_num_queries):
    for n in range(3):
        appointment_book(user=make_consumer(f"1370000000{n}"), store_id=shop.store.pk, starts_at=at(2, 10 + n),
                         guide_id=shop.guide.pk)
    appointment_book(user=make_consumer(), store_id=shop.store.pk, starts_at=at(2, 14))  # no guide
    client.force_login(shop.guide.user)

    with django_assert_num_queries(4):  # session, user, guide, bookings
        data = client.get(reverse("cards:guide_bookings_json")).json()
    page = client.get(reverse("cards:guide_bookings"))
    csv = client.get(reverse("cards:guide_bookings") + "?format=csv")

    assert [(i["starts_at"], i["customer"]["phone"]) for i in data["items"]] == [
        ("2026-12-02T10:00:00+08:00", "13700000000"), ("2026-12-02T11:00:00+08:00", "13700000001"),
        ("2026-12-02T12:00:00+08:00", "13700000002")]
    assert page.status_code == 200 and page.text.count('href="tel:137') == 3
    assert csv.content.decode("utf-8-sig").splitlines()[1].startswith("2026-12-02 10:00,")


def test_another_merchants_guide_sees_none_of_these_bookings(client, shop):
    appointment_book(user=make_consumer(), store_id=shop.store.pk, starts_at=at(2, 10), guide_id=shop.guide.pk)
    stranger = make_guide(make_store(make_merchant()))
    client.force_login(stranger.user)

    assert client.get(reverse("cards:guide_bookings_json")).json() == {"items": []}


def test_the_guide_pages_are_for_guides_only(client, shop):
    client.force_login(make_consumer())

    assert client.get(reverse("cards:guide_bookings")).status_code == 403


def test_a_booking_from_a_browser_seen_before_login_lands_on_that_visitor_and_the_customers_profile(client, shop):
    client.get(reverse("cards:card", args=[shop.guide.pk]))  # anonymous: a visitor without a user
    customer = make_consumer()
    client.force_login(customer)

    client.post(reverse("cards:card_book", args=[shop.guide.pk]), {"slot": at(2, 10).isoformat()})

    event = Event.objects.get(kind="book")
    assert event.visitor.key == client.cookies["lm_vid"].value
    assert (event.user_id, event.visitor.user_id) == (customer.pk, customer.pk)  # the radar can name them
    assert Profile.objects.get(user=customer, merchant=shop.merchant).guide_id == shop.guide.pk
