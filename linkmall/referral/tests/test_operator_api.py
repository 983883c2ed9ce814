"""The operator API of the 2+1 engine (/api/v1/referral/ops): platform staff only."""

import pytest

from linkmall import testing as t
from linkmall.ledger.models import LedgerAccount, Posting, Withdrawal
from linkmall.ledger.tests.helpers import account, fund, ledger_state
from linkmall.ledger.withdrawals import withdrawal_request
from linkmall.referral.models import EngineSwitch, Promoter, ReferralPlan
from linkmall.referral.services import promoter_seed

pytestmark = pytest.mark.django_db

BASE = "/api/v1/referral/ops"


@pytest.fixture
def operator():
    return t.make_platform_user()


@pytest.fixture
def api(client, operator):
    client.force_login(operator)
    return client


def post(client, path, body=None):
    return client.post(f"{BASE}{path}", body or {}, content_type="application/json")


@pytest.mark.parametrize("method,path", [
    ("get", "/plan"), ("post", "/plans"), ("post", "/plans/1/acknowledge"), ("post", "/plans/1/go-live"),
    ("post", "/kill-switch"), ("get", "/users/1/graph"), ("get", "/withdrawals"),
    ("post", "/withdrawals/1/approve"), ("post", "/withdrawals/1/reject"),
])
def test_every_endpoint_refuses_anonymous_callers_and_non_platform_users(client, method, path):
    response = getattr(client, method)(f"{BASE}{path}", content_type="application/json")
    assert response.status_code == 401
    client.force_login(t.make_merchant_owner(t.make_merchant()))
    response = getattr(client, method)(f"{BASE}{path}", {"codes": [], "paused": True, "reason": "x", "config": {}},
                                       content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_operator_drafts_acknowledges_and_puts_a_plan_live_over_the_api(api):
    response = post(api, "/plans", {"config": {"profile": "sales", "payout_cap": "25%"}})
    assert response.status_code == 201
    plan = response.json()
    assert plan["status"] == "draft"
    assert plan["effective"]["payout_cap"] == "25%"
    assert plan["in_words"]["payout_cap"] == "每行奖励合计不超过售价的 25%"
    codes = [r["code"] for r in plan["compliance"]]
    assert codes == ["headcount_promotion", "entry_fee_package", "team_pay"]
    assert set(plan["compliance"][0]) == {"code", "severity", "article", "explanation"}

    refused = post(api, f"/plans/{plan['id']}/go-live")
    assert (refused.status_code, refused.json()["code"]) == (409, "compliance_not_acknowledged")
    partial = post(api, f"/plans/{plan['id']}/acknowledge", {"codes": codes[:1]})
    assert (partial.status_code, partial.json()["code"]) == (400, "risks_not_acknowledged")
    assert partial.json()["detail"]["missing"] == sorted(codes[1:])

    assert post(api, f"/plans/{plan['id']}/acknowledge", {"codes": codes}).json()["acknowledged_at"] is not None
    live = post(api, f"/plans/{plan['id']}/go-live")
    assert (live.status_code, live.json()["status"]) == (200, "live")

    overview = api.get(f"{BASE}/plan").json()
    assert overview["live"]["id"] == plan["id"]
    assert overview["drafts"] == []
    assert overview["switch"]["rewards_paused"] is False


@pytest.mark.parametrize("config,code", [
    ({"profile": "pyramid"}, "invalid_input"),
    ({"bonus": "1%"}, "invalid_input"),
])
def test_a_malformed_plan_is_refused_and_nothing_is_stored(api, config, code):
    response = post(api, "/plans", {"config": config})
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert ReferralPlan.objects.count() == 0


@pytest.mark.parametrize("config", ["classic", {"direct": 1.5}, {"entry": {"spend": 99.9}}])
def test_a_body_that_is_not_a_plan_file_answers_422(api, config):
    response = post(api, "/plans", {"config": config})
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
    assert ReferralPlan.objects.count() == 0


def test_an_unknown_plan_answers_404(api):
    assert post(api, "/plans/999/go-live").status_code == 404


def test_the_kill_switch_over_the_api(api, operator):
    response = post(api, "/kill-switch", {"paused": True, "reason": "  监管问询 "})
    assert response.status_code == 200
    assert response.json()["rewards_paused"] is True
    assert response.json()["reason"] == "监管问询"
    assert response.json()["changed_by"] == operator.pk
    assert EngineSwitch.objects.get().rewards_paused is True
    assert api.get(f"{BASE}/plan").json()["switch"]["rewards_paused"] is True


def test_the_graph_of_a_user_pages_its_children(api, django_assert_num_queries):
    boss = t.make_consumer()
    promoter_seed(user=boss, level="boss")
    members = [t.make_consumer() for _ in range(5)]
    for member in members:
        Promoter.objects.create(user=member, referrer=boss, level="agent", team_owner=boss)

    with django_assert_num_queries(8):  # session, user, user with promoter, chain, counts, events, 2 pages
        first = api.get(f"{BASE}/users/{boss.pk}/graph", {"size": 2}).json()
    assert first["user"]["level"] == "boss"
    assert (first["referral_count"], first["team_size"]) == (5, 5)
    assert [n["id"] for n in first["referrals"]["items"]] == [m.pk for m in members[:2]]
    nxt = api.get(f"{BASE}/users/{boss.pk}/graph",
                  {"size": 2, "after_referral": first["referrals"]["next_after"]}).json()
    assert [n["id"] for n in nxt["referrals"]["items"]] == [m.pk for m in members[2:4]]

    member = api.get(f"{BASE}/users/{members[0].pk}/graph").json()
    assert [n["id"] for n in member["referrer_chain"]] == [boss.pk]
    assert member["team_owner"]["id"] == boss.pk


def test_an_unknown_user_graph_answers_404_and_a_bad_size_422(api):
    assert api.get(f"{BASE}/users/999999/graph").status_code == 404
    assert api.get(f"{BASE}/users/1/graph", {"size": 1000}).status_code == 422


# --- withdrawals --------------------------------------------------------------------------------


@pytest.fixture
def requested():
    promoter = t.make_consumer()
    fund(account("promoter", promoter.pk, "available"), 50000)
    withdrawal = withdrawal_request(actor=promoter, owner_kind="promoter", owner_id=promoter.pk, amount_fen=20000,
                                    key="w-1")
    return withdrawal


def test_the_queue_lists_requested_withdrawals_with_balances(api, requested, django_assert_num_queries):
    with django_assert_num_queries(5):  # session, user, page, owners, balances
        rows = api.get(f"{BASE}/withdrawals").json()
    assert [(r["id"], r["amount"], r["status"]) for r in rows] == [(requested.pk, "200.00", "requested")]
    assert rows[0]["balances_fen"] == {"available": 30000}
    assert api.get(f"{BASE}/withdrawals", {"status": "paid"}).json() == []
    assert api.get(f"{BASE}/withdrawals", {"status": "bogus"}).status_code == 400


def test_approving_twice_pays_once(api, requested):
    first = post(api, f"/withdrawals/{requested.pk}/approve")
    state = ledger_state()
    second = post(api, f"/withdrawals/{requested.pk}/approve")

    assert (first.status_code, first.json()["status"]) == (200, "paid")
    assert (second.status_code, second.json()["code"]) == (409, "withdrawal_decided")
    assert ledger_state() == state
    assert Posting.objects.filter(kind="withdrawal_paid").count() == 1


def test_rejecting_needs_a_reason_and_returns_the_money(api, requested):
    assert post(api, f"/withdrawals/{requested.pk}/reject", {"reason": ""}).status_code == 422
    response = post(api, f"/withdrawals/{requested.pk}/reject", {"reason": "资料不全"})
    assert (response.status_code, response.json()["status"], response.json()["note"]) == (200, "rejected", "资料不全")
    assert LedgerAccount.objects.get(owner_kind="promoter", owner_id=requested.owner_id,
                                     bucket="available").balance_fen == 50000
    assert Withdrawal.objects.get().status == "rejected"


def test_the_operator_and_ledger_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/referral/ops/plan", "/referral/ops/plans", "/referral/ops/plans/{plan_id}/acknowledge",
                 "/referral/ops/plans/{plan_id}/go-live", "/referral/ops/kill-switch",
                 "/referral/ops/users/{user_id}/graph", "/referral/ops/withdrawals",
                 "/referral/ops/withdrawals/{withdrawal_id}/approve", "/referral/ops/withdrawals/{withdrawal_id}/reject",
                 "/ledger/statement", "/ledger/withdrawals"):
        assert f"/api/v1{path}" in paths
