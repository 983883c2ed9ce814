"""/api/v1/cards for the mini-program: the card, the card holder, the nearest store and bookings."""

from datetime import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from linkmall.accounts.services.tokens import api_token_issue
from linkmall.accounts.sharecodes import share_code_for
from linkmall.cards.models import Appointment, BookingSettings, CardHolding
from linkmall.cards.services import appointment_book
from linkmall.cards.slots import STORE_TZ
from linkmall.core import clock
from linkmall.testing import make_consumer, make_guide, make_merchant, make_store

pytestmark = pytest.mark.django_db

API = "/api/v1/cards"
NOW = datetime(2026, 12, 1, 15, 10, tzinfo=STORE_TZ)


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(NOW)
    yield
    clock.reset()


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def test_the_card_json_has_contact_store_products_and_the_callers_own_share_links(client, shop):
    consumer = make_consumer()

    data = client.get(f"{API}/{shop.guide.pk}", **bearer(consumer)).json()

    assert (data["name"], data["title"], data["headline"], data["phone"], data["wechat"]) == (
        "王小美", "美妆顾问", "资深美妆顾问 · 8 年", "13800001234", "xiaomei_wx")
    assert data["store"]["name"] == "湖滨银泰店" and data["store"]["latitude"] == 30.274085
    assert [(p["name"], p["price_fen"]) for p in data["featured"]] == [("保湿面霜", 25900), ("丝绒口红", 12900)]
    assert data["featured"][0]["url"] == f"http://testserver/s/{shop.store.pk}/p/{shop.cream.pk}/"
    query = parse_qs(urlsplit(data["share"]["link"]).query)
    assert query["ref"] == [share_code_for(user_id=consumer.pk)] and query["via"] == ["card"]
    assert parse_qs(urlsplit(data["share"]["qr_link"]).query)["via"] == ["qr"]
    assert data["is_held"] is False
    assert data["photo_url"] == f"http://testserver/card/{shop.guide.pk}/avatar.png"


def test_an_anonymous_caller_gets_the_card_with_a_link_without_referral(client, shop):
    data = client.get(f"{API}/{shop.guide.pk}").json()

    assert sorted(parse_qs(urlsplit(data["share"]["link"]).query)) == ["s"]


def test_an_unknown_or_unpublished_card_is_404(client, shop):
    shop.card.is_published = False
    shop.card.save()

    assert client.get(f"{API}/{shop.guide.pk}").json()["code"] == "not_found"
    assert client.get(f"{API}/999999").status_code == 404


def test_the_card_holder_over_the_api(client, shop, django_assert_num_queries):
    consumer = make_consumer()
    auth = bearer(consumer)

    assert client.put(f"{API}/{shop.guide.pk}/hold", **auth).status_code == 204
    assert client.put(f"{API}/{shop.guide.pk}/hold", **auth).status_code == 204
    with django_assert_num_queries(2):  # token, holdings
        listed = client.get(f"{API}/holder", **auth).json()
    assert [(h["guide_id"], h["name"]) for h in listed] == [(shop.guide.pk, "王小美")]
    assert client.delete(f"{API}/{shop.guide.pk}/hold", **auth).status_code == 204
    assert CardHolding.objects.count() == 0
    assert client.get(f"{API}/holder").status_code == 401


def test_booking_over_the_api_slots_book_mine_cancel(client, shop):
    consumer = make_consumer()
    auth = bearer(consumer)

    days = client.get(f"{API}/bookings/slots", {"store": shop.store.pk, "days": 2}).json()
    assert [d["day"] for d in days] == ["2026-12-01", "2026-12-02"]
    assert days[0]["slots"][0] == {"starts_at": "2026-12-01T15:30:00+08:00", "free": 1}

    created = client.post(f"{API}/bookings/", {"store": shop.store.pk, "starts_at": "2026-12-02T02:00:00Z",
                                               "guide": shop.guide.pk, "note": "试色"},
                          content_type="application/json", **auth)
    assert created.status_code == 201
    assert (created.json()["starts_at"], created.json()["status"]) == ("2026-12-02T10:00:00+08:00", "booked")
    again = client.post(f"{API}/bookings/", {"store": shop.store.pk, "starts_at": "2026-12-02T10:00:00+08:00"},
                        content_type="application/json", **auth)
    assert (again.status_code, again.json()["code"]) == (409, "already_booked")
    assert [a["id"] for a in client.get(f"{API}/bookings/mine", **auth).json()] == [created.json()["id"]]

    cancelled = client.post(f"{API}/bookings/{created.json()['id']}/cancel", **auth)
    assert cancelled.json()["status"] == "cancelled"


@pytest.mark.parametrize("payload", [
    {"store": 1, "starts_at": "not a time"},
    {"store": 1, "starts_at": "2026-12-02T10:00:00+08:00", "note": "长" * 201},
    {"store": 0, "starts_at": "2026-12-02T10:00:00+08:00"},
    {"store": 1, "starts_at": "2026-12-02T10:07:00+08:00"},
    {"store": 1},
])
def test_bad_booking_input_is_a_clear_4xx_and_books_nothing(client, shop, payload):
    payload = {**payload, "store": shop.store.pk if payload["store"] == 1 else payload["store"]}

    response = client.post(f"{API}/bookings/", payload, content_type="application/json", **bearer(make_consumer()))

    assert response.status_code in (400, 422)
    assert Appointment.objects.count() == 0


def test_a_full_slot_over_the_api_is_409_slot_full(client, shop):
    BookingSettings.objects.create(store=shop.store, capacity=1)
    appointment_book(user=make_consumer(), store_id=shop.store.pk, starts_at=datetime(2026, 12, 2, 10, tzinfo=STORE_TZ))

    response = client.post(f"{API}/bookings/", {"store": shop.store.pk, "starts_at": "2026-12-02T10:00:00+08:00"},
                           content_type="application/json", **bearer(make_consumer()))

    assert (response.status_code, response.json()["code"]) == (409, "slot_full")


def test_the_guides_bookings_over_the_api_are_only_their_own(client, shop, django_assert_num_queries):
    appointment_book(user=make_consumer(), store_id=shop.store.pk,
                     starts_at=datetime(2026, 12, 2, 10, tzinfo=STORE_TZ), guide_id=shop.guide.pk)
    other = make_guide(make_store(make_merchant()))

    auth = bearer(shop.guide.user)
    with django_assert_num_queries(3):  # token, guide, bookings
        mine = client.get(f"{API}/bookings/guide", **auth).json()
    assert [a["starts_at"] for a in mine] == ["2026-12-02T10:00:00+08:00"]
    assert client.get(f"{API}/bookings/guide", **bearer(other.user)).json() == []
    assert client.get(f"{API}/bookings/guide", **bearer(make_consumer())).status_code == 403


# --- nearest store ---------------------------------------------------------------------------------


@pytest.fixture
def two_stores(shop):
    """West Lake (the shop's store, GCJ-02 30.274085,120.155070) and one at Hangzhou East station."""
    east = make_store(shop.merchant, name="东站店")
    east.latitude, east.longitude = Decimal("30.290850"), Decimal("120.212800")
    east.save()
    return shop.store, east


def test_the_nearest_store_of_a_wgs84_position_is_found_after_converting_to_gcj02(client, shop, two_stores):
    west, east = two_stores
    # a phone's GPS (WGS-84) right at the West Lake store: its GCJ-02 point is ~500 m away from the raw one
    data = client.get(f"{API}/nearest", {"lat": 30.276503, "lng": 120.150467, "coord": "wgs84"}).json()

    assert (data["store"]["id"], data["guide_id"]) == (west.pk, shop.guide.pk)
    assert data["distance_m"] < 20
    assert data["card_url"] == f"http://testserver/card/{shop.guide.pk}/"


def test_a_gcj02_position_is_used_as_it_is(client, two_stores):
    west, east = two_stores

    data = client.get(f"{API}/nearest", {"lat": 30.2908, "lng": 120.2127, "coord": "gcj02"}).json()

    assert (data["store"]["id"], data["guide_id"], data["card_url"]) == (east.pk, None, None)
    assert data["store_url"] == f"http://testserver/s/{east.pk}/"


def test_nearest_refuses_an_unknown_datum_and_answers_404_without_stores(client, shop):
    assert client.get(f"{API}/nearest", {"lat": 30.2, "lng": 120.1, "coord": "bd09"}).status_code == 400
    assert client.get(f"{API}/nearest", {"lat": 30.2, "lng": 120.1, "merchant": 99999}).status_code == 404
