"""The invite API: codes on bad input and refusals, the merchant's CRUD and status, my progress."""

from decimal import Decimal

import pytest
from django.test import Client

from linkmall import testing as t
from linkmall.accounts.services.tokens import api_token_issue
from linkmall.campaigns.models import CouponTemplate, InviteCampaign
from linkmall.referral.models import QualifyingProduct

pytestmark = pytest.mark.django_db
BASE = "/api/v1/campaigns/invites"


def _client(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)}"})


@pytest.fixture
def shop():
    merchant = t.make_merchant()
    owner = t.make_merchant_owner(merchant)
    product = t.make_product(t.make_supplier(), cost_fen=5000, price_fen=9900)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=9900)
    template = CouponTemplate.objects.create(merchant=merchant, name="邀请礼", kind="amount", value=Decimal(500),
                                             total=10, valid_days=7, sources=["invite"], status="active")
    return merchant, owner, product, listing, template


def test_the_merchant_creates_activates_and_lists_a_campaign(shop):
    merchant, owner, product, listing, template = shop
    api = _client(owner)
    body = {"name": "邀好友得口红", "tiers": [
        {"invitees": 3, "prize_kind": "coupon", "coupon_template_id": template.pk},
        {"invitees": 5, "prize_kind": "gift", "gift_listing_id": listing.pk}]}
    created = api.post(f"{BASE}/merchant", body, content_type="application/json")
    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    assert [tier["invitees"] for tier in created.json()["tiers"]] == [3, 5]

    started = api.post(f"{BASE}/merchant/{campaign_id}/status", {"status": "active"}, content_type="application/json")
    assert (started.status_code, started.json()["status"]) == (200, "active")
    locked = api.patch(f"{BASE}/merchant/{campaign_id}", {"tiers": body["tiers"][:1]},
                       content_type="application/json")
    assert (locked.status_code, locked.json()["code"]) == (409, "campaign_terms_locked")
    listed = api.get(f"{BASE}/merchant")
    assert [(row["id"], row["credits_counted"], row["prizes_awarded"]) for row in listed.json()] == [
        (campaign_id, 0, 0)]


def test_bad_tiers_and_headcount_pay_answer_with_codes_and_change_nothing(shop):
    merchant, owner, product, listing, template = shop
    api = _client(owner)
    bad = api.post(f"{BASE}/merchant", {"name": "x", "tiers": [
        {"invitees": 3, "prize_kind": "gift", "gift_listing_id": 999999}]}, content_type="application/json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_input")
    assert list(bad.json()["detail"]["fields"]) == ["tiers.1.gift_listing_id"]
    QualifyingProduct.objects.create(product=product)
    created = api.post(f"{BASE}/merchant", {"name": "礼包拉新", "counts": "products", "product_ids": [product.pk],
                                            "tiers": [{"invitees": 3, "prize_kind": "coupon",
                                                       "coupon_template_id": template.pk}]},
                       content_type="application/json")
    campaign_id = created.json()["id"]
    review = api.get(f"{BASE}/merchant/{campaign_id}/review")
    assert [(r["code"], r["severity"]) for r in review.json()] == [("invite_headcount_pay", "high")]
    refused = api.post(f"{BASE}/merchant/{campaign_id}/status", {"status": "active"},
                       content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (409, "invite_headcount_pay")
    assert InviteCampaign.objects.get(pk=campaign_id).status == "draft"
    other = _client(t.make_merchant_owner(t.make_merchant()))
    assert other.get(f"{BASE}/merchant/{campaign_id}").status_code == 404


def test_my_progress_names_the_next_prize_and_a_missing_prize_is_not_found(shop):
    merchant, owner, product, listing, template = shop
    api = _client(owner)
    campaign_id = api.post(f"{BASE}/merchant", {"name": "邀好友", "tiers": [
        {"invitees": 2, "prize_kind": "gift", "gift_listing_id": listing.pk}]},
        content_type="application/json").json()["id"]
    api.post(f"{BASE}/merchant/{campaign_id}/status", {"status": "active"}, content_type="application/json")
    me = _client(t.make_consumer())
    progress = me.get(f"{BASE}/me").json()
    assert [(p["campaign_id"], p["counted"], p["remaining"], p["next_prize"]) for p in progress] == [
        (campaign_id, 0, 2, listing.product.name)]
    assert progress[0]["share_url"].startswith("http://testserver/r/")
    claim = me.post(f"{BASE}/me/prizes/999/claim", {"address_id": 1}, content_type="application/json")
    assert (claim.status_code, claim.json()["code"]) == (404, "not_found")
