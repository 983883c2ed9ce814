"""/api/v1/campaigns: the claim centre, claiming, my coupons and points, and the merchant owner's
promotions and coupon templates. Lists read a fixed number of queries."""

import pytest

from linkmall import testing
from linkmall.accounts.services.tokens import api_token_issue
from linkmall.campaigns.models import Coupon, CouponTemplate, Promotion
from linkmall.campaigns.services import coupon_claim, points_grant, points_spend
from linkmall.campaigns.tests.factories import make_promotion, make_returning, make_template

pytestmark = pytest.mark.django_db
API = "/api/v1/campaigns"


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def test_anyone_sees_the_claim_centre_and_a_login_sees_what_it_holds(client, shop, django_assert_num_queries):
    held = make_template(shop.merchant, name="满100减10", value=1000, threshold_fen=10000, per_user_limit=2)
    make_template(shop.merchant, name="抢光了", total=1, issued=1)
    make_template(shop.merchant, name="导购专享", sources=["guide"])
    make_template(shop.merchant, name="草稿", status="draft")
    coupon_claim(user=shop.buyer, template_id=held.pk)

    with django_assert_num_queries(2):
        visitor = client.get(f"{API}/merchants/{shop.merchant.pk}/coupons")
    headers = bearer(shop.buyer)
    with django_assert_num_queries(4):  # the token, then the same two and what the caller holds
        buyer = client.get(f"{API}/merchants/{shop.merchant.pk}/coupons", **headers)

    assert visitor.status_code == buyer.status_code == 200
    assert [(t["name"], t["label"], t["remaining"], t["claimed"], t["state"]) for t in visitor.json()] == [
        ("抢光了", "无门槛减5元", 0, 0, "sold_out"), ("满100减10", "满100元减10元", 99, 0, "open")]
    assert [(t["name"], t["claimed"], t["state"]) for t in buyer.json()] == [
        ("抢光了", 0, "sold_out"), ("满100减10", 1, "open")]
    assert client.get(f"{API}/merchants/999999/coupons").status_code == 404


def test_claiming_through_the_api_with_a_key_twice_gives_one_coupon(client, shop):
    template = make_template(shop.merchant, per_user_limit=3)
    headers = bearer(shop.buyer)

    first = client.post(f"{API}/coupon-templates/{template.pk}/claim", {"key": "tap-1"},
                        content_type="application/json", **headers)
    again = client.post(f"{API}/coupon-templates/{template.pk}/claim", {"key": "tap-1"},
                        content_type="application/json", **headers)

    assert first.status_code == again.status_code == 201
    body = first.json()
    assert body["id"] == again.json()["id"]
    assert (body["status"], body["state"], body["label"], body["merchant_name"], body["source"]) == (
        "available", "usable", "无门槛减5元", shop.merchant.name, "claim")
    assert CouponTemplate.objects.get(pk=template.pk).issued == 1


def test_a_refused_claim_answers_its_code_and_changes_nothing(client, shop):
    template = make_template(shop.merchant, total=1, issued=1)

    response = client.post(f"{API}/coupon-templates/{template.pk}/claim", {}, content_type="application/json",
                           **bearer(shop.buyer))
    anonymous = client.post(f"{API}/coupon-templates/{template.pk}/claim", {}, content_type="application/json")
    owner = client.post(f"{API}/coupon-templates/{template.pk}/claim", {}, content_type="application/json",
                        **bearer(shop.owner))

    assert (response.status_code, response.json()["code"]) == (409, "coupon_sold_out")
    assert (anonymous.status_code, owner.status_code) == (401, 403)
    assert Coupon.objects.count() == 0


def test_my_coupons_by_tab_in_pages(client, shop, django_assert_num_queries):
    template = make_template(shop.merchant, per_user_limit=5)
    coupons = [coupon_claim(user=shop.buyer, template_id=template.pk) for _ in range(3)]
    Coupon.objects.filter(pk=coupons[0].pk).update(status="expired")
    coupon_claim(user=testing.make_consumer(), template_id=template.pk)
    headers = bearer(shop.buyer)

    with django_assert_num_queries(3):
        usable = client.get(f"{API}/me/coupons", {"status": "usable", "page_size": 1}, **headers)
    expired = client.get(f"{API}/me/coupons", {"status": "expired"}, **headers)
    bad = client.get(f"{API}/me/coupons", {"status": "lost"}, **headers)

    assert (usable.json()["total"], usable.json()["has_next"], len(usable.json()["items"])) == (2, True, 1)
    assert [c["id"] for c in expired.json()["items"]] == [coupons[0].pk]
    assert bad.status_code == 422


def test_my_points_and_their_history(client, shop, django_assert_num_queries):
    points_grant(user=shop.buyer, merchant=shop.merchant, points=500, key="g", reason="下单奖励")
    points_spend(buyer=shop.buyer, merchant=shop.merchant, points=200, key="s")
    headers = bearer(shop.buyer)

    with django_assert_num_queries(2):
        accounts = client.get(f"{API}/me/points", **headers)
    with django_assert_num_queries(3):
        history = client.get(f"{API}/me/points/entries", {"merchant_id": shop.merchant.pk}, **headers)

    assert accounts.json() == [{"merchant_id": shop.merchant.pk, "merchant_name": shop.merchant.name, "balance": 300}]
    assert [(e["delta"], e["kind"], e["reason"]) for e in history.json()["items"]] == [
        (-200, "spend", ""), (500, "grant", "下单奖励")]


def test_the_owner_creates_changes_and_starts_a_promotion(client, shop):
    headers = bearer(shop.owner)

    created = client.post(f"{API}/merchant/promotions", {
        "name": "满299减50", "kind": "amount", "value": "5000", "threshold_fen": 29900,
        "starts_at": "2026-11-11T00:00:00+08:00", "ends_at": "2026-11-12T00:00:00+08:00",
    }, content_type="application/json", **headers)
    pk = created.json()["id"]
    patched = client.patch(f"{API}/merchant/promotions/{pk}", {"kind": "percent", "value": "12.5", "threshold_fen": 0,
                                                               "max_discount_fen": 2000},
                           content_type="application/json", **headers)
    started = client.post(f"{API}/merchant/promotions/{pk}/status", {"status": "active"},
                          content_type="application/json", **headers)

    assert created.status_code == 201
    assert (created.json()["value"], created.json()["label"], created.json()["status"]) == ("5000", "满299元减50元",
                                                                                            "draft")
    assert (patched.status_code, patched.json()["value"], patched.json()["label"]) == (
        200, "12.5", "无门槛打8.75折（最多减20元）")
    assert (started.status_code, started.json()["status"]) == (200, "active")


def test_a_promotion_below_cost_answers_its_code_until_the_loss_is_accepted(client, shop):
    body = {"name": "清仓", "kind": "percent", "value": "60"}
    headers = bearer(shop.owner)

    refused = client.post(f"{API}/merchant/promotions", body, content_type="application/json", **headers)
    accepted = client.post(f"{API}/merchant/promotions", {**body, "accept_loss": True},
                           content_type="application/json", **headers)

    assert (refused.status_code, refused.json()["code"]) == (400, "campaign_below_cost")
    assert accepted.status_code == 201
    assert Promotion.objects.count() == 1


def test_the_owner_lists_only_their_own_and_another_merchants_is_not_found(client, shop, django_assert_num_queries):
    mine = [make_promotion(shop.merchant, name=f"活动{i}") for i in range(3)]
    theirs = make_promotion(testing.make_merchant())
    headers = bearer(shop.owner)

    with django_assert_num_queries(3):
        listed = client.get(f"{API}/merchant/promotions", **headers)
    other = client.get(f"{API}/merchant/promotions/{theirs.pk}", **headers)
    changed = client.patch(f"{API}/merchant/promotions/{theirs.pk}", {"name": "偷改"},
                           content_type="application/json", **headers)

    assert [p["id"] for p in listed.json()["items"]] == [p.pk for p in reversed(mine)]
    assert (other.status_code, changed.status_code) == (404, 404)
    assert Promotion.objects.get(pk=theirs.pk).name == "满100减10"


def test_the_owner_creates_a_coupon_template_and_it_shows_in_the_claim_centre_once_active(client, shop):
    headers = bearer(shop.owner)

    created = client.post(f"{API}/merchant/coupon-templates", {
        "name": "新人券", "kind": "amount", "value": "1000", "threshold_fen": 5000, "total": 100, "valid_days": 7,
    }, content_type="application/json", **headers)
    pk = created.json()["id"]
    before = client.get(f"{API}/merchants/{shop.merchant.pk}/coupons").json()
    client.post(f"{API}/merchant/coupon-templates/{pk}/status", {"status": "active"}, content_type="application/json",
                **headers)
    locked = client.patch(f"{API}/merchant/coupon-templates/{pk}", {"value": "2000"}, content_type="application/json",
                          **headers)
    listed = client.get(f"{API}/merchant/coupon-templates", {"status": "active"}, **headers)

    assert created.status_code == 201
    assert (created.json()["sources"], created.json()["issued"], created.json()["label"]) == (["claim"], 0,
                                                                                               "满50元减10元")
    assert before == []
    assert [t["id"] for t in client.get(f"{API}/merchants/{shop.merchant.pk}/coupons").json()] == [pk]
    assert (locked.status_code, locked.json()["code"]) == (409, "campaign_terms_locked")
    assert [t["id"] for t in listed.json()["items"]] == [pk]


def test_a_consumer_cannot_use_the_merchant_endpoints(client, shop):
    response = client.get(f"{API}/merchant/promotions", **bearer(shop.buyer))

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_the_api_claims_a_new_customer_coupon_only_for_a_new_customer(client, shop):
    new_only = make_template(shop.merchant, name="新人专享", sources=["new_customer"])
    both = make_template(shop.merchant, name="都可领", sources=["claim", "new_customer"])
    returning = make_returning(shop.merchant)
    listing = f"{API}/merchants/{shop.merchant.pk}/coupons"

    visitor = client.get(listing)
    theirs = client.get(listing, **bearer(returning))
    refused = client.post(f"{API}/coupon-templates/{new_only.pk}/claim", {}, content_type="application/json",
                          **bearer(returning))
    anyone = client.post(f"{API}/coupon-templates/{both.pk}/claim", {}, content_type="application/json",
                         **bearer(returning))
    new = client.post(f"{API}/coupon-templates/{new_only.pk}/claim", {}, content_type="application/json",
                      **bearer(shop.buyer))

    assert [(t["name"], t["source"], t["state"]) for t in visitor.json()] == [
        ("都可领", "claim", "open"), ("新人专享", "new_customer", "open")]
    assert [(t["name"], t["source"], t["state"]) for t in theirs.json()] == [
        ("都可领", "claim", "open"), ("新人专享", "new_customer", "not_new_customer")]
    assert (refused.status_code, refused.json()["code"]) == (409, "coupon_new_customers_only")
    assert (anyone.status_code, anyone.json()["source"]) == (201, "claim")
    assert (new.status_code, new.json()["source"]) == (201, "new_customer")
    assert CouponTemplate.objects.get(pk=new_only.pk).issued == 1
    assert sorted(Coupon.objects.values_list("template_id", "user_id")) == sorted(
        [(both.pk, returning.pk), (new_only.pk, shop.buyer.pk)])
