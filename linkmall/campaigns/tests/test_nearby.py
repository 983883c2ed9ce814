"""附近门店与优惠 and geofenced coupons (docs/o2o.md "Nearby offers (LBS)", "Geofenced offers"):
the stores nearest a point with their distance and live offers, in a bounded number of queries;
a geofenced coupon is claimed only with a location within its radius, and nothing is issued
otherwise; the API and the fragment pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from linkmall import testing
from linkmall.accounts.services.tokens import api_token_issue
from linkmall.campaigns.models import Coupon, CouponTemplate
from linkmall.campaigns.selectors.nearby import nearby_offers
from linkmall.campaigns.services import (
    coupon_claim,
    coupon_issue,
    coupon_template_create,
    coupon_template_set_status,
    coupon_template_update,
)
from linkmall.campaigns.tests.factories import make_promotion, make_returning, make_template
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, PermissionDenied
from linkmall.stores.geo import gcj02_to_wgs84
from linkmall.stores.models import Store

pytestmark = pytest.mark.django_db
#: the visitor stands at the first store (GCJ-02, Hangzhou); 0.01° of latitude is 1,112 m
LAT, LNG = 30.274085, 120.155070


def store_at(merchant, name, north_deg=0.0, **fields):
    return Store.objects.create(merchant=merchant, name=name, city="杭州", address="西湖区",
                                latitude=Decimal(f"{LAT + north_deg:.6f}"), longitude=Decimal(f"{LNG:.6f}"),
                                opening_hours="10:00-22:00", **fields)


@pytest.fixture
def stores(shop):
    return {
        "here": store_at(shop.merchant, "湖滨店"),
        "near": store_at(shop.merchant, "武林店", 0.01),
        "far": store_at(shop.merchant, "城北店", 0.03),
        "away": store_at(shop.merchant, "临平店", 0.1),  # 11 km: beyond the default 5 km
        "closed": store_at(shop.merchant, "已关店", 0.001, is_active=False),
    }


def fenced(shop, store, radius=500, **fields):
    return make_template(shop.merchant, name="围栏券", geofence_store=store, geofence_radius_m=radius, **fields)


# --- the selector --------------------------------------------------------------------------------------


def test_stores_come_nearest_first_with_distance_and_the_merchants_live_offers(shop, stores, frozen,
                                                                               django_assert_num_queries):
    other = testing.make_merchant("别家")
    store_at(other, "别家门店", 0.02)
    make_promotion(other, name="别家满减")
    coupon = make_template(shop.merchant, name="通用券")
    in_store = make_template(shop.merchant, name="到店券", in_store=True)
    fence = fenced(shop, stores["near"])
    make_template(shop.merchant, name="抢光了", total=1, issued=1)
    make_template(shop.merchant, name="草稿", status="draft")
    make_template(shop.merchant, name="导购专享", sources=["guide"])
    make_template(shop.merchant, name="未开抢", claim_starts_at=frozen + timedelta(hours=1))
    make_template(shop.merchant, name="已截止", claim_ends_at=frozen)
    promotion = make_promotion(shop.merchant, name="满100减10")
    make_promotion(shop.merchant, name="已结束", ends_at=frozen)

    # boxes of 500 m, 2 km and 5 km (the radius; 2 km held only two stores), the stores, templates, promotions
    with django_assert_num_queries(6):
        found = nearby_offers(latitude=LAT, longitude=LNG, limit=3)
    assert [(n.store.name, n.distance_m) for n in found] == [("湖滨店", 0), ("武林店", 1112), ("别家门店", 2224)]
    here, near, theirs = found
    assert [(c.template.pk, c.in_store, c.inside, c.state) for c in here.coupons] == [
        (in_store.pk, True, None, "open"), (coupon.pk, False, None, "open")]
    assert [(c.template.pk, c.inside, c.geofence_radius_m) for c in near.coupons] == [
        (fence.pk, False, 500), (in_store.pk, None, None), (coupon.pk, None, None)]
    assert [(p.promotion.pk, p.tag, p.label) for p in here.promotions] == [(promotion.pk, "满减", "满100元减10元")]
    assert ([p.promotion.name for p in theirs.promotions], theirs.coupons) == (["别家满减"], [])
    assert here.store.opening_hours == "10:00-22:00"


def test_the_radius_the_limit_and_one_merchant_bound_the_list(shop, stores):
    other = testing.make_merchant("别家")
    store_at(other, "别家门店", 0.005)

    assert [n.store.name for n in nearby_offers(latitude=LAT, longitude=LNG, radius_m=1200)] == [
        "湖滨店", "别家门店", "武林店"]
    assert [n.store.name for n in nearby_offers(latitude=LAT, longitude=LNG, merchant_id=shop.merchant.pk)] == [
        "湖滨店", "武林店", "城北店"]
    assert [n.store.name for n in nearby_offers(latitude=LAT, longitude=LNG, radius_m=50_000, limit=5)] == [
        "湖滨店", "别家门店", "武林店", "城北店", "临平店"]
    assert [n.store.name for n in nearby_offers(latitude=LAT, longitude=LNG, limit=1)] == ["湖滨店"]
    assert nearby_offers(latitude=LAT + 1, longitude=LNG) == []


def test_the_query_count_does_not_grow_with_the_stores(shop, stores, django_assert_num_queries):
    make_template(shop.merchant)
    Store.objects.bulk_create([Store(merchant=shop.merchant, name=f"店{i}", city="杭州", address="x",
                                     latitude=Decimal(f"{LAT + 0.02 + i * 0.0001:.6f}"),
                                     longitude=Decimal(f"{LNG:.6f}")) for i in range(200)])
    buyer = make_returning(shop.merchant)
    make_template(shop.merchant, name="新人券", sources=["new_customer"])

    # boxes of 500 m, 2 km, 5 km (the radius), the stores, templates, promotions, coupons held, purchases
    with django_assert_num_queries(8):
        found = nearby_offers(latitude=LAT, longitude=LNG, limit=50, user=buyer)
    assert len(found) == 50
    assert {c.state for n in found for c in n.coupons if c.template.name == "新人券"} == {"not_new_customer"}


def test_a_wgs84_point_is_converted_before_measuring(shop, stores):
    wgs_lat, wgs_lng = gcj02_to_wgs84(LAT, LNG)

    assert nearby_offers(latitude=wgs_lat, longitude=wgs_lng, coord="wgs84", limit=1)[0].distance_m == 0
    assert nearby_offers(latitude=wgs_lat, longitude=wgs_lng, limit=1)[0].distance_m > 300


@pytest.mark.parametrize(("lat", "lng", "extra"), [
    ("abc", LNG, {}), (91, LNG, {}), (LAT, -181, {}), ("nan", LNG, {}), (LAT, LNG, {"coord": "bd09"}),
    (LAT, LNG, {"radius_m": 0}), (LAT, LNG, {"radius_m": 50_001}), (LAT, LNG, {"limit": 51}),
])
def test_bad_coordinates_or_ranges_are_invalid_input(shop, stores, lat, lng, extra):
    with pytest.raises(InvalidInput):
        nearby_offers(latitude=lat, longitude=lng, **extra)


# --- geofenced coupons -----------------------------------------------------------------------------------


def test_a_geofenced_coupon_is_claimed_inside_its_radius_only(shop, stores):
    template = fenced(shop, stores["near"], radius=500)
    near = (LAT + 0.01 + 0.002, LNG)  # 222 m north of the store

    with pytest.raises(InvalidInput) as missing:
        coupon_claim(user=shop.buyer, template_id=template.pk)
    with pytest.raises(PermissionDenied) as outside:
        coupon_claim(user=shop.buyer, template_id=template.pk, point=(LAT, LNG))
    assert (missing.value.code, missing.value.status) == ("geofence_location_required", 400)
    assert (outside.value.code, outside.value.status, outside.value.detail) == ("geofence_outside", 403, {
        "template_id": template.pk, "store_id": stores["near"].pk, "radius_m": 500, "distance_m": 1112})
    assert (Coupon.objects.count(), CouponTemplate.objects.get(pk=template.pk).issued) == (0, 0)

    coupon = coupon_claim(user=shop.buyer, template_id=template.pk, point=near)
    assert (coupon.template_id, CouponTemplate.objects.get(pk=template.pk).issued) == (template.pk, 1)


def test_a_merchant_hand_out_of_a_geofenced_coupon_needs_no_location(shop, stores):
    template = fenced(shop, stores["near"], sources=["claim", "guide"])

    coupon = coupon_issue(template=template, user=shop.buyer, source="guide", key="guide:1")

    assert coupon.source == "guide"


def create(shop, **fields):
    values = {"name": "围栏券", "kind": "amount", "value": 1000, "total": 50, "valid_days": 7}
    values.update(fields)
    return coupon_template_create(actor=shop.owner, merchant=shop.merchant, **values)


def test_the_geofence_is_a_term_set_in_draft_and_frozen_after(shop, stores):
    template = create(shop, geofence_store_id=stores["near"].pk, geofence_radius_m=300)
    assert (template.geofence_store_id, template.geofence_radius_m) == (stores["near"].pk, 300)
    coupon_template_update(actor=shop.owner, template_id=template.pk, geofence_radius_m=800)
    coupon_template_set_status(actor=shop.owner, template_id=template.pk, status="active")

    with pytest.raises(Conflict) as locked:
        coupon_template_update(actor=shop.owner, template_id=template.pk, geofence_radius_m=5000)
    with pytest.raises(Conflict) as cleared:
        coupon_template_update(actor=shop.owner, template_id=template.pk, geofence_store_id=None,
                               geofence_radius_m=None)

    assert (locked.value.code, locked.value.detail) == ("campaign_terms_locked", {"changed": ["geofence_radius_m"]})
    assert cleared.value.detail == {"changed": ["geofence_radius_m", "geofence_store_id"]}
    assert CouponTemplate.objects.values_list("geofence_store_id", "geofence_radius_m").get() == (
        stores["near"].pk, 800)


@pytest.mark.parametrize(("fields", "bad"), [
    ({"geofence_radius_m": 500}, "geofence_store_id"),
    ({"geofence_store_id": "other"}, "geofence_store_id"),
    ({"geofence_store_id": "closed"}, "geofence_store_id"),
    ({"geofence_store_id": "near"}, "geofence_radius_m"),
    ({"geofence_store_id": "near", "geofence_radius_m": 99}, "geofence_radius_m"),
    ({"geofence_store_id": "near", "geofence_radius_m": 50_001}, "geofence_radius_m"),
    ({"geofence_store_id": "near", "geofence_radius_m": 500, "sources": ["claim", "share"]}, "sources"),
])
def test_a_bad_geofence_is_refused_and_creates_nothing(shop, stores, fields, bad):
    other_store = store_at(testing.make_merchant("别家"), "别家门店")
    named = {**stores, "other": other_store}
    if isinstance(fields.get("geofence_store_id"), str):
        fields = {**fields, "geofence_store_id": named[fields["geofence_store_id"]].pk}

    with pytest.raises(InvalidInput) as refused:
        create(shop, **fields)

    assert bad in refused.value.detail["fields"]
    assert not CouponTemplate.objects.exists()


# --- the API ---------------------------------------------------------------------------------------------


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def test_the_nearby_api_lists_stores_with_distance_and_offers(client, shop, stores, django_assert_num_queries):
    fence = fenced(shop, stores["here"], radius=200, in_store=True)
    make_promotion(shop.merchant)

    with django_assert_num_queries(5):  # boxes of 500 m and 2 km, the stores, templates, promotions
        response = client.get("/api/v1/nearby", {"lat": LAT, "lng": LNG, "radius_m": 2000})

    assert response.status_code == 200
    body = response.json()
    assert [(s["store"]["name"], s["distance_m"]) for s in body] == [("湖滨店", 0), ("武林店", 1112)]
    assert body[0]["coupons"] == [{
        "id": fence.pk, "name": "围栏券", "label": "无门槛减5元", "kind": "amount", "value": "500",
        "threshold_fen": 0, "valid_from": None, "valid_until": None, "valid_days": 7, "remaining": 100,
        "per_user_limit": 1, "in_store": True, "geofence_store_id": stores["here"].pk, "geofence_radius_m": 200,
        "inside": True, "state": "open", "source": "claim"}]
    assert body[1]["coupons"] == []
    assert [(p["tag"], p["label"]) for p in body[0]["promotions"]] == [("满减", "满100元减10元")]
    assert body[0]["store"]["opening_hours"] == "10:00-22:00"


@pytest.mark.parametrize("query", [
    {"lat": "x", "lng": LNG}, {"lat": 95, "lng": LNG}, {"lng": LNG}, {"lat": LAT, "lng": LNG, "radius_m": 0},
    {"lat": LAT, "lng": LNG, "limit": 500}, {"lat": LAT, "lng": LNG, "coord": "bd09"},
])
def test_bad_nearby_queries_answer_422(client, shop, stores, query):
    response = client.get("/api/v1/nearby", query)

    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")


def test_claiming_a_geofenced_coupon_through_the_api(client, shop, stores):
    template = fenced(shop, stores["near"], radius=500)
    url = f"/api/v1/campaigns/coupon-templates/{template.pk}/claim"
    headers = bearer(shop.buyer)
    wgs_lat, wgs_lng = gcj02_to_wgs84(LAT + 0.01, LNG)

    missing = client.post(url, {}, content_type="application/json", **headers)
    half = client.post(url, {"lat": LAT}, content_type="application/json", **headers)
    outside = client.post(url, {"lat": LAT, "lng": LNG}, content_type="application/json", **headers)
    bad = client.post(url, {"lat": 91, "lng": LNG}, content_type="application/json", **headers)
    assert (missing.status_code, missing.json()["code"]) == (400, "geofence_location_required")
    assert (half.status_code, half.json()["code"]) == (400, "invalid_input")
    assert (outside.status_code, outside.json()["code"]) == (403, "geofence_outside")
    assert (outside.json()["detail"]["distance_m"], outside.json()["detail"]["radius_m"]) == (1112, 500)
    assert bad.status_code == 422
    assert Coupon.objects.count() == 0

    inside = client.post(url, {"lat": wgs_lat, "lng": wgs_lng, "coord": "wgs84"}, content_type="application/json",
                         **headers)
    assert inside.status_code == 201
    assert Coupon.objects.get().template_id == template.pk


# --- the pages ---------------------------------------------------------------------------------------------


def test_the_card_page_and_the_store_home_offer_the_button_and_ask_nothing(client, shop, stores):
    guide = testing.make_guide(stores["here"])

    card = client.get(reverse("cards:card", args=[guide.pk]))
    home = client.get(reverse("web:store_home", args=[stores["here"].pk]))

    for page in (card, home):
        assert page.status_code == 200
        assert "附近门店与优惠" in page.text and "使用我的位置" in page.text
        assert reverse("campaigns:nearby", args=[shop.merchant.pk]) in page.text
        assert 'id="nearby-box" aria-live="polite"></div>' in page.text  # nothing until the button


def test_the_nearby_fragment_lists_stores_offers_and_geofence_state(client, shop, stores, frozen):
    fence = fenced(shop, stores["near"], radius=500)
    coupon = make_template(shop.merchant, name="通用券", in_store=True)
    make_promotion(shop.merchant)
    url = reverse("campaigns:nearby", args=[shop.merchant.pk])
    wgs_lat, wgs_lng = gcj02_to_wgs84(LAT, LNG)

    page = client.get(url, {"lat": f"{wgs_lat:.6f}", "lng": f"{wgs_lng:.6f}", "coord": "wgs84", "next": "/s/1/"})

    assert page.status_code == 200
    text = page.text
    assert text.index("湖滨店") < text.index("武林店") < text.index("城北店") and "临平店" not in text
    assert "0 m" in text and "1.1 km" in text and "3.3 km" in text and "营业时间 10:00-22:00" in text
    assert f'id="nearby-coupon-{stores["here"].pk}-{coupon.pk}"' in text and "到店核销" in text
    assert f'id="nearby-coupon-{stores["near"].pk}-{fence.pk}"' in text and "不在领取范围内" in text
    assert f'id="nearby-coupon-{stores["here"].pk}-{fence.pk}"' not in text
    assert "满100元减10元" in text

    bad = client.get(url, {"lat": "north", "lng": "1"})
    assert bad.status_code == 400 and 'role="alert"' in bad.text


def test_claiming_from_the_fragment_sends_the_location_of_a_geofenced_coupon(client, shop, stores):
    fence = fenced(shop, stores["here"], radius=300)
    url = reverse("campaigns:nearby", args=[shop.merchant.pk])
    client.force_login(shop.buyer)

    page = client.get(url, {"lat": f"{LAT:.6f}", "lng": f"{LNG:.6f}"})
    assert f'name="lat" value="{LAT:.6f}"' in page.text

    claim_url = reverse("campaigns:claim_centre", args=[shop.merchant.pk])
    missing = client.post(claim_url, {"template_id": fence.pk}, follow=True)
    outside = client.post(claim_url, {"template_id": fence.pk, "lat": f"{LAT + 0.01:.6f}", "lng": f"{LNG:.6f}"},
                          follow=True)
    assert "请允许使用你的位置" in missing.text
    assert "1112" in outside.text and Coupon.objects.count() == 0

    claimed = client.post(claim_url, {"template_id": fence.pk, "lat": f"{LAT:.6f}", "lng": f"{LNG:.6f}",
                                      "coord": "gcj02"}, follow=True)
    assert "领取成功" in claimed.text and Coupon.objects.get().template_id == fence.pk
    assert clock.now()  # the clock is the suite's


def test_the_owner_sets_a_geofence_on_the_console_form(client, shop, stores):
    client.force_login(shop.owner)
    form = {"name": "湖滨围栏券", "kind": "amount", "amount": "5", "scope_kind": "all", "total": "100",
            "per_user_limit": "1", "valid_days": "7", "sources": ["claim"]}

    far = client.post(reverse("campaigns:template_new"), {**form, "geofence_store": stores["here"].pk,
                                                          "geofence_radius_m": "60000"})
    made = client.post(reverse("campaigns:template_new"), {**form, "geofence_store": stores["here"].pk,
                                                           "geofence_radius_m": "800"})

    assert far.status_code == 400 and "geofence_radius_m" in far.text
    assert made.status_code == 302
    assert CouponTemplate.objects.values_list("geofence_store_id", "geofence_radius_m", "status").get() == (
        stores["here"].pk, 800, "draft")
