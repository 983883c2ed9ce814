"""/api/v1/campaigns/share: a campaign's landing, claiming as a friend, my share progress and link,
and the merchant owner's campaigns. Refusals answer 4xx with their code and change nothing."""

import pytest

from linkmall import testing
from linkmall.accounts.sharecodes import share_code_for
from linkmall.campaigns.models import CouponTemplate, ShareCampaign, ShareClaim
from linkmall.campaigns.services.sharing import share_claim
from linkmall.campaigns.tests.factories import make_template
from linkmall.campaigns.tests.test_api import bearer
from linkmall.campaigns.tests.test_sharing import make_share
from linkmall.customers.tracking import visitor_create

pytestmark = pytest.mark.django_db
API = "/api/v1/campaigns/share"


def post(client, url, body, user):
    return client.post(url, body, content_type="application/json", **bearer(user))


def test_a_friend_reads_the_landing_and_claims_through_the_api(client, shop):
    campaign = make_share(shop)
    friend = testing.make_consumer()
    ref = share_code_for(user_id=shop.buyer.pk)
    key = visitor_create().key

    landing = client.get(f"{API}/{campaign.pk}", {"ref": ref})
    claimed = post(client, f"{API}/{campaign.pk}/claim", {"ref": ref, "device": key}, friend)
    again = post(client, f"{API}/{campaign.pk}/claim", {"ref": ref, "device": key}, friend)
    mine = client.get(f"{API}/{campaign.pk}", {"ref": ref}, **bearer(friend))

    assert landing.status_code == 200
    body = landing.json()
    assert (body["campaign"]["friend_offer"], body["campaign"]["reward_offer"], body["state"], body["is_open"]) == (
        "无门槛减5元", "无门槛减20元", "open", True)
    assert body["sharer_name"] == f"{shop.buyer.phone[:3]}****{shop.buyer.phone[-4:]}"
    assert claimed.status_code == again.status_code == 201
    assert claimed.json()["id"] == again.json()["id"]
    assert (claimed.json()["coupon"]["source"], claimed.json()["coupon"]["label"]) == ("share", "无门槛减5元")
    assert ShareClaim.objects.get().device_key == key
    assert mine.json()["state"] == "claimed"


@pytest.mark.parametrize("case", ["self", "device", "bad_ref", "unknown_ref", "bad_device", "no_login", "draft"])
def test_claims_the_api_refuses(client, shop, case):
    campaign = make_share(shop)
    key = visitor_create().key
    share_claim(friend=testing.make_consumer(), campaign_id=campaign.pk, sharer_id=shop.buyer.pk, device_key=key)
    friend = testing.make_consumer()
    ref = share_code_for(user_id=shop.buyer.pk)
    body, user, campaign_id = {"ref": ref}, friend, campaign.pk
    expected = {
        "self": (409, "share_self"), "device": (409, "share_same_device"), "bad_ref": (422, "invalid_input"),
        "unknown_ref": (404, "not_found"), "bad_device": (422, "invalid_input"),
        "no_login": (401, "not_authenticated"), "draft": (404, "not_found"),
    }[case]
    if case == "self":
        user = shop.buyer
    elif case == "device":
        body["device"] = key
    elif case == "bad_ref":
        body["ref"] = "short"
    elif case == "unknown_ref":
        body["ref"] = "a" * 18
    elif case == "bad_device":
        body["device"] = "Z" * 32
    elif case == "draft":
        campaign_id = make_share(shop, status="draft").pk

    if case == "no_login":
        answer = client.post(f"{API}/{campaign_id}/claim", body, content_type="application/json")
    else:
        answer = post(client, f"{API}/{campaign_id}/claim", body, user)

    assert (answer.status_code, answer.json()["code"]) == expected
    assert ShareClaim.objects.count() == 1
    assert CouponTemplate.objects.get(pk=campaign.friend_template_id).issued == 1


def test_my_share_progress_and_link(client, shop):
    campaign = make_share(shop, friends_needed=3)
    share_claim(friend=testing.make_consumer(), campaign_id=campaign.pk, sharer_id=shop.buyer.pk)

    answer = client.get(f"{API}/me", **bearer(shop.buyer))
    one = client.get(f"{API}/me/{campaign.pk}", **bearer(shop.buyer))

    assert answer.status_code == one.status_code == 200
    [row] = answer.json()
    code = share_code_for(user_id=shop.buyer.pk)
    assert (row["claims"], row["counted"], row["rewards"], row["to_next"], row["share_code"]) == (1, 1, 0, 2, code)
    assert row["share_path"] == f"/shop/{shop.merchant.pk}/share/{campaign.pk}/?ref={code}&via=link"
    assert row["poster_path"] == f"/me/shares/{campaign.pk}/poster.png"
    assert one.json() == row
    assert client.get(f"{API}/me", **bearer(shop.owner)).status_code == 403


def test_the_owner_creates_starts_lists_and_ends_a_campaign(client, shop, django_assert_num_queries):
    friend = make_template(shop.merchant, sources=["share"])
    reward = make_template(shop.merchant, value=2000, sources=["share"], per_user_limit=2)
    base = f"{API}/merchant/campaigns"

    created = post(client, base, {"name": "邀好友", "friend_template_id": friend.pk, "reward_template_id": reward.pk,
                                  "friends_needed": 2, "mode": "orders", "max_rewards": 2}, shop.owner)
    assert created.status_code == 201, created.json()
    campaign_id = created.json()["id"]
    started = post(client, f"{base}/{campaign_id}/status", {"status": "active"}, shop.owner)
    share_claim(friend=testing.make_consumer(), campaign_id=campaign_id, sharer_id=shop.buyer.pk)
    headers = bearer(shop.owner)
    with django_assert_num_queries(3):  # the token, the count, the page with its counts and templates
        listed = client.get(base, **headers)
    locked = client.patch(f"{base}/{campaign_id}", {"friends_needed": 5}, content_type="application/json", **headers)
    renamed = client.patch(f"{base}/{campaign_id}", {"name": "邀好友得券"}, content_type="application/json", **headers)
    ended = post(client, f"{base}/{campaign_id}/status", {"status": "ended"}, shop.owner)

    assert (started.status_code, started.json()["status"]) == (200, "active")
    assert [(c["id"], c["mode"], c["claims"], c["sharers"], c["converted"], c["rewards"])
            for c in listed.json()["items"]] == [(campaign_id, "orders", 1, 1, 0, 0)]
    assert (locked.status_code, locked.json()["code"]) == (409, "campaign_terms_locked")
    assert (renamed.status_code, renamed.json()["name"]) == (200, "邀好友得券")
    assert (ended.status_code, ended.json()["status"]) == (200, "ended")


def test_the_console_api_refuses_bad_campaigns_and_strangers(client, shop):
    other = make_template(testing.make_merchant(), sources=["share"])
    reward = make_template(shop.merchant, sources=["share"])
    base = f"{API}/merchant/campaigns"

    bad = post(client, base, {"name": "x", "friend_template_id": other.pk, "reward_template_id": reward.pk,
                              "friends_needed": 2}, shop.owner)
    zero = post(client, base, {"name": "x", "friend_template_id": reward.pk, "reward_template_id": reward.pk,
                               "friends_needed": 0}, shop.owner)
    as_buyer = post(client, base, {"name": "x", "friend_template_id": reward.pk, "reward_template_id": reward.pk,
                                   "friends_needed": 2}, shop.buyer)
    campaign = make_share(shop)
    stranger = testing.make_merchant_owner(testing.make_merchant())
    hidden = client.get(f"{base}/{campaign.pk}", **bearer(stranger))

    assert (bad.status_code, bad.json()["code"], list(bad.json()["detail"]["fields"])) == (
        400, "invalid_input", ["friend_template_id"])
    assert (zero.status_code, zero.json()["code"]) == (422, "invalid_input")
    assert as_buyer.status_code == 403
    assert hidden.status_code == 404
    assert ShareCampaign.objects.count() == 1
