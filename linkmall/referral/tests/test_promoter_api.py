"""/api/v1/referral/me: summary, team, referrals, rewards, withdrawals, share and bind."""

import pytest
from django.core.cache import cache

from linkmall import testing as t
from linkmall.accounts.services import api_token_issue
from linkmall.core import clock
from linkmall.ledger.models import Bucket, LedgerAccount, OwnerKind, Posting, Withdrawal
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import Promoter, Reward
from linkmall.referral.sharing import share_code_for
from linkmall.referral.tests._promoter_world import boss_with_earnings, world_open

pytestmark = pytest.mark.django_db
API = "/api/v1/referral/me"


@pytest.fixture(autouse=True)
def _clean_clock_and_cache():
    cache.clear()
    yield
    clock.reset()
    cache.clear()


@pytest.fixture
def world():
    return world_open(profile="classic")


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def available(user) -> int:
    return LedgerAccount.objects.filter(owner_kind=OwnerKind.PROMOTER, owner_id=user.pk,
                                        bucket=Bucket.AVAILABLE).values_list("balance_fen", flat=True).first() or 0


def test_every_endpoint_needs_a_login(client):
    for method, path in [("get", "/summary"), ("get", "/team"), ("get", "/referrals"), ("get", "/rewards"),
                         ("get", "/withdrawals"), ("post", "/withdrawals"), ("get", "/share"), ("post", "/bind")]:
        response = getattr(client, method)(API + path, content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (401, "not_authenticated"), path


def test_staff_are_not_promoters(client):
    response = client.get(f"{API}/summary", **bearer(t.make_platform_user()))

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_the_summary_of_a_boss_gives_level_team_and_balances_in_fen(client, world):
    boss, _ = boss_with_earnings(world, invited=2, name="王老板")

    response = client.get(f"{API}/summary", **bearer(boss))

    assert response.status_code == 200
    assert response.json() == {
        "level": "boss", "level_label": "老板", "referrer": None, "bound_via": "", "team_owner": None,
        "slots": 0, "slide_count": 2, "team_size": 2, "referral_count": 2,
        "balances": {"pending_fen": 0, "available_fen": 60000, "withdrawn_fen": 0, "debt_fen": 0},
    }


def test_the_summary_of_an_agent_names_its_referrer_and_team_owner_but_never_their_phone(client, world):
    boss, (agent,) = boss_with_earnings(world, invited=1, settle=False, name="王老板")

    body = client.get(f"{API}/summary", **bearer(agent)).json()

    assert (body["level"], body["referrer"], body["team_owner"], body["bound_via"]) == (
        "agent", {"name": "王老板"}, {"name": "王老板"}, "link")
    assert boss.phone not in str(body)


def test_the_team_is_paged_in_constant_queries_and_shows_masked_names(client, world, django_assert_num_queries):
    boss, buyers = boss_with_earnings(world, invited=5, settle=False)
    headers = bearer(boss)

    with django_assert_num_queries(3):  # the token and its user, the count, the page
        first = client.get(f"{API}/team?page_size=2", **headers).json()
    last = client.get(f"{API}/team?page=3&page_size=2", **headers).json()

    assert (first["total"], first["has_next"], len(first["items"])) == (5, True, 2)
    assert (last["page"], last["has_next"], len(last["items"])) == (3, False, 1)
    newest = buyers[-1]
    assert first["items"][0]["name"] == f"{newest.phone[:3]}****{newest.phone[-4:]}"
    assert (first["items"][0]["level"], first["items"][0]["level_label"]) == ("agent", "代理")


def test_the_team_query_count_does_not_grow_with_the_team(client, world, django_assert_num_queries):
    small, _ = boss_with_earnings(world, invited=1, settle=False)
    big, _ = boss_with_earnings(world, invited=12, settle=False)
    for boss in (small, big):
        headers = bearer(boss)
        with django_assert_num_queries(3):
            client.get(f"{API}/team", **headers)
        with django_assert_num_queries(3):
            client.get(f"{API}/referrals", **headers)


def test_rewards_are_paged_newest_first_in_constant_queries(client, world, django_assert_num_queries):
    boss, _ = boss_with_earnings(world, invited=3)
    headers = bearer(boss)

    with django_assert_num_queries(3):
        body = client.get(f"{API}/rewards?page_size=4", **headers).json()

    newest = Reward.objects.filter(recipient=boss).order_by("-created_at", "-pk").select_related("order").first()
    assert (body["total"], body["has_next"], len(body["items"])) == (6, True, 4)
    assert body["items"][0] == {
        "id": newest.pk, "order_number": newest.order.number, "kind": newest.kind,
        "kind_label": newest.get_kind_display(), "amount_fen": newest.amount_fen,
        "accrued_fen": newest.accrued_fen, "status": "available", "status_label": "可提现",
        "created_at": body["items"][0]["created_at"],
    }


def test_bad_paging_is_a_422_not_a_500(client, world):
    boss, _ = boss_with_earnings(world, invited=1, settle=False)
    headers = bearer(boss)

    for query in ("page=0", "page_size=51", "page=x", "page_size=-1"):
        response = client.get(f"{API}/rewards?{query}", **headers)
        assert (response.status_code, response.json()["code"]) == (422, "invalid_input"), query


def test_a_withdrawal_is_requested_once_per_key(client, world):
    boss, _ = boss_with_earnings(world, invited=1)
    headers = bearer(boss)
    payload = {"amount_fen": 15000, "key": "app-7f3a9c"}

    first = client.post(f"{API}/withdrawals", payload, content_type="application/json", **headers)
    again = client.post(f"{API}/withdrawals", payload, content_type="application/json", **headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert {k: first.json()[k] for k in ("amount_fen", "fee_fen", "net_fen", "status", "status_label")} == {
        "amount_fen": 15000, "fee_fen": 0, "net_fen": 15000, "status": "requested", "status_label": "待审核"}
    assert (Withdrawal.objects.count(), Posting.objects.filter(kind="withdrawal_request").count()) == (1, 1)
    assert available(boss) == 15000
    listed = client.get(f"{API}/withdrawals", **headers).json()
    assert [w["id"] for w in listed["items"]] == [first.json()["id"]]


def test_a_withdrawal_over_the_balance_or_below_the_minimum_is_refused_and_changes_nothing(client, world):
    boss, _ = boss_with_earnings(world, invited=1)
    headers = bearer(boss)

    over = client.post(f"{API}/withdrawals", {"amount_fen": 30001, "key": "k-over-000"},
                       content_type="application/json", **headers)
    small = client.post(f"{API}/withdrawals", {"amount_fen": 999, "key": "k-small-00"},
                        content_type="application/json", **headers)
    junk = client.post(f"{API}/withdrawals", {"amount_fen": "12.5", "key": "k/../../x"},
                       content_type="application/json", **headers)

    assert (over.status_code, over.json()["code"]) == (409, "insufficient_balance")
    assert (small.status_code, small.json()["code"]) == (400, "below_minimum")
    assert (junk.status_code, junk.json()["code"]) == (422, "invalid_input")
    assert (Withdrawal.objects.count(), available(boss)) == (0, 30000)


def test_one_promoter_never_sees_or_spends_another_promoters_money(client, world):
    boss, _ = boss_with_earnings(world, invited=1)
    other = t.make_consumer()
    client.post(f"{API}/withdrawals", {"amount_fen": 10000, "key": "boss-key-1"}, content_type="application/json",
                **bearer(boss))
    headers = bearer(other)

    assert client.get(f"{API}/withdrawals", **headers).json()["items"] == []
    assert client.get(f"{API}/rewards", **headers).json()["items"] == []
    assert client.get(f"{API}/summary", **headers).json()["balances"]["available_fen"] == 0
    # the same key from another user is another user's key: it cannot reach the boss's withdrawal
    reused = client.post(f"{API}/withdrawals", {"amount_fen": 10000, "key": "boss-key-1"},
                         content_type="application/json", **headers)
    assert (reused.status_code, reused.json()["code"]) == (409, "insufficient_balance")
    assert (Withdrawal.objects.count(), available(boss)) == (1, 20000)


def test_share_gives_the_code_and_links_for_the_mini_program(client, world):
    user = t.make_consumer()
    code = share_code_for(user_id=user.pk)

    body = client.get(f"{API}/share", **bearer(user)).json()

    assert body == {
        "code": code,
        "url": f"http://testserver/r/{code}/",
        "qr_url": f"http://testserver/r/{code}/?via=qr",
        "qr_png_url": "http://testserver/me/promoter/qr.png",
        "poster_url": f"http://testserver/r/{code}/?via=poster",
        "poster_png_url": "http://testserver/me/promoter/poster.png",
    }


def test_bind_from_a_mini_program_share_is_first_touch_and_silent_on_a_self_share(client, world):
    sharer, second, user = t.make_consumer(), t.make_consumer(), t.make_consumer()
    User = type(sharer)
    User.objects.filter(pk=sharer.pk).update(display_name="小红")
    headers = bearer(user)

    first = client.post(f"{API}/bind", {"code": share_code_for(user_id=sharer.pk), "via": "qr"},
                        content_type="application/json", **headers)
    later = client.post(f"{API}/bind", {"code": share_code_for(user_id=second.pk)},
                        content_type="application/json", **headers)
    own = client.post(f"{API}/bind", {"code": share_code_for(user_id=second.pk)},
                      content_type="application/json", **bearer(second))

    assert first.json() == {"bound": True, "referrer": {"name": "小红"}}
    assert later.json() == {"bound": False, "referrer": {"name": "小红"}}
    assert own.json() == {"bound": False, "referrer": None}
    assert Promoter.objects.get(user=user).bound_via == "qr"


def test_a_cycle_through_bind_is_ignored(client, world):
    a, b = t.make_consumer(), t.make_consumer()
    referral_bind(user=b, referrer=a, via="link")

    response = client.post(f"{API}/bind", {"code": share_code_for(user_id=b.pk)}, content_type="application/json",
                           **bearer(a))

    assert response.json() == {"bound": False, "referrer": None}
    assert Promoter.objects.get(user=a).referrer_id is None


def test_one_withdrawal_is_read_by_its_owner_and_is_a_404_for_anyone_else(client, world):
    boss, _ = boss_with_earnings(world, invited=1)
    created = client.post(f"{API}/withdrawals", {"amount_fen": 10000, "key": "boss-key-2"},
                          content_type="application/json", **bearer(boss)).json()

    mine = client.get(f"{API}/withdrawals/{created['id']}", **bearer(boss))
    theirs = client.get(f"{API}/withdrawals/{created['id']}", **bearer(t.make_consumer()))
    missing = client.get(f"{API}/withdrawals/999999", **bearer(boss))

    assert (mine.status_code, mine.json()["amount_fen"]) == (200, 10000)
    assert (theirs.status_code, theirs.json()["code"]) == (404, "not_found")
    assert (missing.status_code, missing.json()) == (theirs.status_code, theirs.json())
