"""Visitors, events, visits, the share graph and profiles as the card and radar code call them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from linkmall import testing
from linkmall.core import clock
from linkmall.customers import tracking
from linkmall.customers.models import Event, Profile, ShareEdge, Visitor

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    clock.freeze(T0)
    yield
    clock.reset()


@pytest.fixture
def shop():
    merchant = testing.make_merchant()
    store = testing.make_store(merchant)
    guide = testing.make_guide(store)
    return merchant, store, guide


def consented(user=None) -> Visitor:
    return Visitor.objects.create(key=tracking._new_key(), user=user, consented_at=T0)


def request_with(cookie: str | None = None, user=None):
    request = RequestFactory().get("/card/1/")
    if cookie:
        request.COOKIES[tracking.VISITOR_COOKIE] = cookie
    if user is not None:
        request.user = user
    return request


def test_visitor_ensure_creates_a_visitor_and_sets_its_cookie_once():
    response = HttpResponse()
    visitor = tracking.visitor_ensure(request_with(), response)

    assert response.cookies["lm_vid"].value == visitor.key
    assert response.cookies["lm_vid"]["httponly"] is True
    assert len(visitor.key) == 32
    again = tracking.visitor_ensure(request_with(visitor.key), HttpResponse())
    assert again.pk == visitor.pk
    assert Visitor.objects.count() == 1


def test_an_unknown_or_malformed_cookie_is_no_visitor():
    assert tracking.visitor_for_request(request_with("x" * 32)) is None
    assert tracking.visitor_for_request(request_with("short")) is None


def test_logging_in_links_the_visitor_and_its_past_events_to_the_consumer(shop):
    merchant, store, guide = shop
    visitor = consented()
    tracking.event_record(visitor=visitor, kind="card_view", merchant_id=merchant.pk, guide_id=guide.pk)
    consumer = testing.make_consumer()

    tracking.visitor_ensure(request_with(visitor.key, user=consumer), HttpResponse())

    visitor.refresh_from_db()
    assert visitor.user_id == consumer.pk
    assert list(Event.objects.values_list("user_id", flat=True)) == [consumer.pk]
    profile = Profile.objects.get()
    assert (profile.merchant_id, profile.user_id, profile.guide_id) == (merchant.pk, consumer.pk, guide.pk)


def test_a_browser_another_consumer_used_gets_a_fresh_visitor():
    first, second = testing.make_consumer(), testing.make_consumer()
    visitor = consented(user=first)

    response = HttpResponse()
    other = tracking.visitor_ensure(request_with(visitor.key, user=second), response)

    assert other.pk != visitor.pk
    assert other.user_id == second.pk
    assert response.cookies["lm_vid"].value == other.key
    assert Visitor.objects.get(pk=visitor.pk).user_id == first.pk


def test_share_tokens_round_trip_and_refuse_tampering():
    visitor = consented()
    token = tracking.visitor_share_token(visitor)

    assert visitor.key not in token
    assert tracking.visitor_from_share_token(token).pk == visitor.pk
    assert tracking.visitor_from_share_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert tracking.visitor_from_share_token("1.abc") is None
    assert tracking.visitor_from_share_token("") is None


def test_nothing_is_stored_for_a_visitor_who_has_not_consented(shop):
    merchant, _, _ = shop
    visitor = Visitor.objects.create(key=tracking._new_key())

    assert tracking.event_record(visitor=visitor, kind="card_view", merchant_id=merchant.pk) is None
    assert Event.objects.count() == 0


def test_a_booking_is_recorded_even_without_tracking_consent(shop):
    merchant, _, guide = shop
    visitor = Visitor.objects.create(key=tracking._new_key())

    event = tracking.event_record(visitor=visitor, kind="book", merchant_id=merchant.pk, guide_id=guide.pk,
                                  dedupe_key="book:1")

    assert (event.kind, event.guide_id, event.visit_number) == ("book", guide.pk, 1)


def test_a_new_visit_starts_after_thirty_minutes_of_silence_per_merchant(shop):
    merchant, _, _ = shop
    other = testing.make_merchant()
    visitor = consented()

    def at(minutes, merchant_id=merchant.pk):
        return tracking.event_record(visitor=visitor, kind="card_view", merchant_id=merchant_id,
                                     occurred_at=T0 + timedelta(minutes=minutes)).visit_number

    assert [at(0), at(30), at(61), at(62), at(200, other.pk), at(300)] == [1, 1, 2, 2, 1, 3]


def test_a_late_event_joins_the_visit_it_happened_in(shop):
    merchant, _, _ = shop
    visitor = consented()
    for minutes in (0, 100):
        tracking.event_record(visitor=visitor, kind="card_view", merchant_id=merchant.pk,
                              occurred_at=T0 + timedelta(minutes=minutes))

    late = tracking.event_record(visitor=visitor, kind="dwell", merchant_id=merchant.pk, dwell_ms=5000,
                                 occurred_at=T0 + timedelta(minutes=5))

    assert late.visit_number == 1


def test_a_repeated_dedupe_key_returns_the_first_event(shop):
    merchant, _, _ = shop
    visitor = consented()
    first = tracking.event_record(visitor=visitor, kind="card_view", merchant_id=merchant.pk, dedupe_key="k1")
    second = tracking.event_record(visitor=visitor, kind="product_view", merchant_id=merchant.pk, dedupe_key="k1")

    assert second.pk == first.pk
    assert list(Event.objects.values_list("kind", flat=True)) == ["card_view"]


def test_opens_through_a_share_link_count_on_one_edge_and_self_shares_are_ignored(shop):
    merchant, _, _ = shop
    sharer, recipient = consented(), consented()
    for kind in ("card_view", "section_view", "product_view"):
        tracking.event_record(visitor=recipient, kind=kind, merchant_id=merchant.pk, shared_by=sharer)
    tracking.event_record(visitor=sharer, kind="card_view", merchant_id=merchant.pk, shared_by=sharer)

    assert list(ShareEdge.objects.values_list("sharer_id", "recipient_id", "opens", "first_at")) == [
        (sharer.pk, recipient.pk, 2, T0)
    ]


def test_an_event_of_a_known_consumer_touches_their_profile(shop):
    merchant, _, guide = shop
    consumer = testing.make_consumer()
    consumer.display_name = "王小姐"
    consumer.save()
    visitor = consented(user=consumer)

    event = tracking.event_record(visitor=visitor, kind="product_view", merchant_id=merchant.pk,
                                  guide_id=guide.pk, occurred_at=T0 - timedelta(minutes=3))

    assert event.user_id == consumer.pk
    profile = Profile.objects.get()
    assert (profile.name, profile.guide_id, profile.last_seen_at) == ("王小姐", guide.pk, T0 - timedelta(minutes=3))


def test_the_first_guide_keeps_the_customer(shop):
    merchant, store, guide = shop
    other_guide = testing.make_guide(store)
    consumer = testing.make_consumer()

    tracking.profile_touch(merchant_id=merchant.pk, user=consumer)
    tracking.profile_touch(merchant_id=merchant.pk, user=consumer, guide_id=guide.pk)
    profile = tracking.profile_touch(merchant_id=merchant.pk, user=consumer, guide_id=other_guide.pk)

    assert profile.guide_id == guide.pk
    assert Profile.objects.get().guide_id == guide.pk


def test_an_earlier_sighting_moves_first_seen_back_and_never_last_seen(shop):
    merchant, _, _ = shop
    consumer = testing.make_consumer()
    tracking.profile_touch(merchant_id=merchant.pk, user=consumer)

    tracking.profile_touch(merchant_id=merchant.pk, user=consumer, seen_at=T0 - timedelta(days=3))

    profile = Profile.objects.get()
    assert (profile.first_seen_at, profile.last_seen_at) == (T0 - timedelta(days=3), T0)


def test_withdrawing_consent_deletes_the_traces_but_keeps_bookings(shop):
    merchant, _, _ = shop
    visitor = consented()
    tracking.event_record(visitor=visitor, kind="card_view", merchant_id=merchant.pk)
    tracking.event_record(visitor=visitor, kind="book", merchant_id=merchant.pk)

    tracking.visitor_consent(visitor=visitor, consent=False)

    assert list(Event.objects.values_list("kind", flat=True)) == ["book"]
    assert Visitor.objects.get(pk=visitor.pk).consented_at is None
