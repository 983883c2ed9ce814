"""POST /api/v1/customers/events: consent, validation, duplicates, bounded queries."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.http import HttpResponse

from linkmall import testing
from linkmall.core import clock
from linkmall.customers import tracking
from linkmall.customers.attribution import guide_remember
from linkmall.customers.models import Event, ShareEdge, Visitor

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
URL = "/api/v1/customers/events"


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
    product = testing.make_product(testing.make_supplier())
    testing.make_listing(merchant, product.skus.get())
    return merchant, store, guide, product


def event(seller, n=1, /, **extra):
    return {"id": f"client-{n:04d}", "kind": "card_view", "merchant": seller.pk} | extra


def post(client, body, content_type="text/plain;charset=UTF-8"):
    return client.post(URL, data=json.dumps(body), content_type=content_type)


def consent(client):
    response = post(client, {"consent": True, "events": []})
    assert response.status_code == 200
    return Visitor.objects.get(key=response.cookies["lm_vid"].value)


def test_a_first_visit_with_consent_creates_the_visitor_and_stores_its_events(client, shop):
    merchant, store, guide, product = shop

    response = post(client, {"consent": True, "events": [
        event(merchant, 1, store=store.pk, guide=guide.pk),
        event(merchant, 2, kind="product_view", product=product.pk, at="2026-11-25T08:59:00Z"),
    ]})

    assert response.status_code == 200
    assert response.json() == {"accepted": 2, "duplicates": 0, "consented": True}
    visitor = Visitor.objects.get()
    assert response.cookies["lm_vid"].value == visitor.key
    assert response.cookies["lm_consent"].value == "1"
    assert visitor.consented_at == T0
    assert list(Event.objects.order_by("occurred_at").values_list("kind", "product_id", "occurred_at", "visit_number")) == [
        ("product_view", product.pk, T0 - timedelta(minutes=1), 1), ("card_view", None, T0, 1)]


def test_events_without_consent_are_not_stored_and_no_visitor_is_made(client, shop):
    merchant, *_ = shop

    response = post(client, {"events": [event(merchant)]})

    assert response.json() == {"accepted": 0, "duplicates": 0, "consented": False}
    assert (Visitor.objects.count(), Event.objects.count()) == (0, 0)
    assert "lm_vid" not in response.cookies


def test_saying_no_is_remembered_in_a_cookie_and_stores_nothing(client, shop):
    merchant, *_ = shop
    visitor = consent(client)

    response = post(client, {"consent": False, "events": [event(merchant)]})

    assert response.json() == {"accepted": 0, "duplicates": 0, "consented": False}
    assert response.cookies["lm_consent"].value == "0"
    assert Visitor.objects.get(pk=visitor.pk).consented_at is None
    assert Event.objects.count() == 0


def test_a_repeated_batch_is_counted_as_duplicates(client, shop):
    merchant, *_ = shop
    consent(client)
    body = {"events": [event(merchant, 1), event(merchant, 2, kind="dwell", dwell_ms=4000)]}

    assert post(client, body).json() == {"accepted": 2, "duplicates": 0, "consented": True}
    assert post(client, body).json() == {"accepted": 0, "duplicates": 2, "consented": True}
    assert Event.objects.count() == 2


def test_the_same_client_id_from_two_visitors_is_two_events(client, shop):
    merchant, *_ = shop
    consent(client)
    post(client, {"events": [event(merchant, 1)]})
    client.cookies.clear()
    consent(client)

    assert post(client, {"events": [event(merchant, 1)]}).json()["accepted"] == 1
    assert Event.objects.count() == 2


@pytest.mark.parametrize("bad, status, code, field", [
    ({"kind": "buy"}, 400, "bad_kind", "kind"),
    ({"kind": "book"}, 400, "bad_kind", "kind"),
    ({"id": "has space!"}, 400, "invalid_event", "id"),
    ({"merchant": 999999}, 404, "unknown_merchant", "merchant"),
    ({"store": 999999}, 404, "unknown_store", "store"),
    ({"guide": 999999}, 404, "unknown_guide", "guide"),
    ({"product": 999999}, 404, "unknown_product", "product"),
    ({"at": "2026-11-01T00:00:00Z"}, 400, "event_too_old", "at"),
])
def test_a_bad_event_refuses_the_whole_batch(client, shop, bad, status, code, field):
    merchant, *_ = shop
    consent(client)

    response = post(client, {"events": [event(merchant, 1), event(merchant, 2, **bad)]})

    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["detail"] == {"index": 1, "field": field}
    assert Event.objects.count() == 0


def test_a_guide_or_store_of_another_merchant_is_refused(client, shop):
    merchant, *_ = shop
    other_store = testing.make_store(testing.make_merchant())
    other_guide = testing.make_guide(other_store)
    consent(client)

    assert post(client, {"events": [event(merchant, guide=other_guide.pk)]}).json()["code"] == "unknown_guide"
    assert post(client, {"events": [event(merchant, store=other_store.pk)]}).json()["code"] == "unknown_store"
    assert Event.objects.count() == 0


def test_too_many_events_are_refused(client, shop):
    merchant, *_ = shop
    consent(client)

    response = post(client, {"events": [event(merchant, n) for n in range(101)]})

    assert response.status_code == 400
    assert response.json() == {"code": "too_many_events", "message": "A batch holds at most 100 events.",
                               "detail": {"max": 100, "got": 101}}
    assert Event.objects.count() == 0


@pytest.mark.parametrize("body", ["not json", json.dumps({"events": [{"id": 5}]}), json.dumps([1, 2])])
def test_a_malformed_body_is_a_clear_400(client, body):
    response = client.post(URL, data=body, content_type="text/plain")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_a_future_time_is_clamped_and_dwell_is_capped(client, shop):
    merchant, *_ = shop
    consent(client)

    post(client, {"events": [event(merchant, 1, kind="dwell", dwell_ms=9_000_000, at="2026-11-26T09:00:00Z")]})

    assert list(Event.objects.values_list("occurred_at", "dwell_ms")) == [(T0, 3_600_000)]


def test_a_share_token_links_sharer_and_recipient_and_a_mangled_one_is_ignored(client, shop):
    merchant, *_ = shop
    sharer = Visitor.objects.create(key=tracking._new_key(), consented_at=T0)
    token = tracking.visitor_share_token(sharer)
    consent(client)

    response = post(client, {"events": [event(merchant, 1, shared_by=token), event(merchant, 2, kind="forward",
                                                                                     shared_by=token),
                                        event(merchant, 3, shared_by=token[:-2])]})

    assert response.json()["accepted"] == 3
    assert list(ShareEdge.objects.values_list("sharer_id", "opens")) == [(sharer.pk, 2)]
    assert list(Event.objects.order_by("dedupe_key").values_list("shared_by_id", flat=True)) == [
        sharer.pk if e.dedupe_key != tracking.client_dedupe_key(e.visitor, "client-0003") else None
        for e in Event.objects.order_by("dedupe_key")]
    assert Event.objects.filter(shared_by__isnull=True).count() == 1


def test_a_logged_in_consumer_gets_the_events_and_a_profile(client, shop):
    merchant, store, guide, _ = shop
    consumer = testing.make_consumer()
    client.force_login(consumer)

    post(client, {"consent": True, "events": [event(merchant, 1, guide=guide.pk)]})

    assert list(Event.objects.values_list("user_id", flat=True)) == [consumer.pk]
    assert Visitor.objects.get().user_id == consumer.pk
    assert consumer.profiles.get().guide_id == guide.pk


@pytest.mark.parametrize("size", [1, 50])
def test_a_batch_costs_the_same_number_of_queries_whatever_its_size(client, shop, size,
                                                                    django_assert_num_queries):
    merchant, store, guide, product = shop
    consent(client)
    post(client, {"events": [event(merchant, 9999)]})
    body = {"events": [event(merchant, n, store=store.pk, guide=guide.pk, product=product.pk, kind="product_view")
                       for n in range(size)]}

    # session, visitor; 4 reference checks; lock visitor; dedupe; 2 visit numbering; insert; last seen
    # (+ savepoint/release of the transaction)
    with django_assert_num_queries(13):
        response = post(client, body)

    assert response.json()["accepted"] == size


def test_a_product_view_after_a_card_is_credited_to_that_cards_guide_of_the_same_merchant(client, shop):
    merchant, store, guide, product = shop
    other_merchant = testing.make_merchant()
    consent(client)
    remembered = HttpResponse()
    guide_remember(remembered, merchant_id=merchant.pk, guide_id=guide.pk)
    client.cookies["lm_guide"] = remembered.cookies["lm_guide"].value

    response = post(client, {"events": [
        event(merchant, 1, kind="product_view", product=product.pk),
        event(other_merchant, 2),
    ]})

    assert response.json() == {"accepted": 2, "duplicates": 0, "consented": True}
    assert sorted(Event.objects.values_list("merchant_id", "guide_id")) == sorted(
        [(merchant.pk, guide.pk), (other_merchant.pk, None)])


def test_a_forged_guide_cookie_credits_nobody(client, shop):
    merchant, *_ = shop
    consent(client)
    client.cookies["lm_guide"] = f"{merchant.pk}:1"

    response = post(client, {"events": [event(merchant, 1)]})

    assert response.json()["accepted"] == 1
    assert list(Event.objects.values_list("guide_id", flat=True)) == [None]
