"""`/card/`: a visitor without a guide is routed to a guide of the nearest store."""

from decimal import Decimal

import pytest
from django.urls import reverse

from linkmall.cards.models import Card
from linkmall.testing import make_merchant, make_store

pytestmark = pytest.mark.django_db

#: a phone's GPS (WGS-84) reading at the shop's store, whose GCJ-02 point is 30.274085, 120.155070
AT_THE_STORE_WGS84 = {"lat": "30.276503", "lng": "120.150467"}


def test_without_a_position_the_page_asks_the_browser_for_one(client, shop):
    response = client.get(reverse("cards:nearest"))

    assert response.status_code == 200
    assert "navigator.geolocation.getCurrentPosition" in response.text
    assert 'coord: "wgs84"' in response.text


def test_a_visitor_who_opened_a_card_before_goes_back_to_that_guide(client, shop):
    client.get(reverse("cards:card", args=[shop.guide.pk]))

    response = client.get(reverse("cards:nearest"))

    assert response.url == f"/card/{shop.guide.pk}/"


def test_a_position_routes_to_a_card_of_a_guide_of_the_nearest_store(client, shop):
    far = make_store(shop.merchant, name="北京店")
    far.latitude, far.longitude = Decimal("39.913345"), Decimal("116.384047")
    far.save()

    response = client.get(reverse("cards:nearest"), AT_THE_STORE_WGS84)

    assert response.url == f"/card/{shop.guide.pk}/"


def test_a_store_whose_only_guide_hid_the_card_routes_to_the_store_home(client, shop):
    Card.objects.filter(pk=shop.card.pk).update(is_published=False)

    response = client.get(reverse("cards:nearest_alias"), AT_THE_STORE_WGS84)

    assert response.url == f"/s/{shop.store.pk}/"


def test_the_merchant_parameter_keeps_the_search_to_that_merchants_stores(client, shop):
    other = make_merchant()
    elsewhere = make_store(other)  # at the very same spot, but another merchant's

    mine = client.get(reverse("cards:nearest"), {**AT_THE_STORE_WGS84, "merchant": shop.merchant.pk})
    theirs = client.get(reverse("cards:nearest"), {**AT_THE_STORE_WGS84, "merchant": other.pk})

    assert mine.url == f"/card/{shop.guide.pk}/"
    assert theirs.url == f"/s/{elsewhere.pk}/"


@pytest.mark.parametrize("query", [{"lat": "abc", "lng": "120"}, {"lat": "nan", "lng": "120"},
                                   {"lat": "95", "lng": "120"}, {"lat": "30", "lng": "120", "coord": "bd09"}])
def test_a_bad_position_is_explained_not_a_crash(client, shop, query):
    response = client.get(reverse("cards:nearest"), query)

    assert response.status_code == 400
    assert "位置信息有误，请重试或直接选择门店。" in response.text


def test_a_store_just_outside_the_first_search_box_is_still_found_when_it_is_the_only_one(client, shop):
    type(shop.store).objects.filter(pk=shop.store.pk).update(latitude=Decimal("31.230416"),
                                                             longitude=Decimal("121.473701"))  # Shanghai

    response = client.get(reverse("cards:nearest"), AT_THE_STORE_WGS84)  # from Hangzhou, 165 km away

    assert response.url == f"/card/{shop.guide.pk}/"


def test_a_nearer_store_just_outside_the_first_box_beats_one_in_its_corner(client, shop):
    """The first box has a half-side of 0.1° (11.1 km): a store in its corner is 15 km away, one due
    north just outside it 11.7 km — the search must not stop at the box."""
    corner = make_store(shop.merchant, name="角落")
    corner.latitude, corner.longitude = Decimal("30.373000"), Decimal("120.254000")
    corner.save()
    north = make_store(shop.merchant, name="正北")
    north.latitude, north.longitude = Decimal("30.379085"), Decimal("120.155070")
    north.save()
    type(shop.store).objects.filter(pk=shop.store.pk).update(is_active=False)

    response = client.get(reverse("cards:nearest"), {"lat": "30.274085", "lng": "120.155070", "coord": "gcj02"})

    assert response.url == f"/s/{north.pk}/"
