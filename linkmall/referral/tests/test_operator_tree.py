"""The operator's team-tree browser and rewards overview: both graphs around one user, paged,
in the same number of queries whatever the size of the team."""

import csv
import io

import pytest
from django.urls import reverse

from linkmall import testing as t
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import Promoter, Reward
from linkmall.referral.pages.operator_selectors import CHILDREN_PAGE
from linkmall.referral.services import promoter_seed
from linkmall.referral.tests.operator_fixtures import buy, go_live, make_mall

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(client):
    client.force_login(t.make_platform_user())
    return client


def a_boss_with_referrals(count: int):
    """A boss with `count` direct referrals who are all agents in its team (rows written directly)."""
    boss = t.make_consumer()
    promoter_seed(user=boss, level="boss")
    for _ in range(count):
        user = t.make_consumer()
        Promoter.objects.create(user=user, referrer=boss, level="agent", team_owner=boss, bound_via="link")
    return boss


def test_the_worked_example_shows_both_graphs_and_the_audit_log_of_b(ops):
    mall = make_mall()
    go_live(mall["operator"], {"profile": "classic"})
    a = t.make_consumer(phone="13800000001")
    promoter_seed(user=a, level="boss")
    users = {"A": a}
    for name, ref in [("B", "A"), ("C", "A"), ("B1", "B"), ("B2", "B"), ("B3", "B"), ("B3a", "B3")]:
        users[name] = t.make_consumer()
        referral_bind(user=users[name], referrer=users[ref], via="link")
        buy(mall, users[name])
    b = users["B"]

    response = ops.get(reverse("referral:ops_tree"), {"q": b.phone})

    assert response.status_code == 200
    graph = response.context["graph"]
    assert graph.node.user == b and graph.node.level == "boss"
    assert [n.user for n in graph.chain] == [a]
    assert graph.team_owner is None
    assert graph.origin_boss.user == a
    assert (graph.referral_count, graph.team_size) == (3, 2)
    assert [n.user for n in response.context["referrals"].nodes] == [users["B1"], users["B2"], users["B3"]]
    assert [n.user for n in response.context["team"].nodes] == [users["B3"], users["B3a"]]
    assert [e.kind for e in graph.events] == ["broke_away", "promoted", "placed", "bound"]
    body = response.content.decode()
    assert "<code>broke_away</code>" in body and "老板" in body


def test_a_user_is_found_by_id_too_and_an_unknown_one_answers_404(ops):
    user = t.make_consumer()
    assert ops.get(reverse("referral:ops_tree"), {"q": str(user.pk)}).context["graph"].node.user == user
    response = ops.get(reverse("referral:ops_tree"), {"q": "13999999999"})
    assert response.status_code == 404
    assert "没有找到这个用户" in response.content.decode()


@pytest.mark.parametrize("team_size", [3, 60])
def test_the_tree_page_costs_the_same_queries_whatever_the_team_size(ops, django_assert_num_queries, team_size):
    boss = a_boss_with_referrals(team_size)
    # session, user, then: find, user with promoter, referrer chain, counts, events, referrals page,
    # team page (a boss with no referrer has no chain users to load)
    with django_assert_num_queries(9):
        response = ops.get(reverse("referral:ops_tree"), {"q": str(boss.pk)})
    assert len(response.context["referrals"].nodes) == min(team_size, CHILDREN_PAGE)


def test_children_are_paged_and_the_next_page_continues_where_the_last_ended(ops, django_assert_num_queries):
    boss = a_boss_with_referrals(CHILDREN_PAGE + 5)
    ids = list(Promoter.objects.filter(referrer=boss).order_by("user_id").values_list("user_id", flat=True))
    first = ops.get(reverse("referral:ops_tree"), {"q": str(boss.pk)}).context["referrals"]
    assert [n.user.pk for n in first.nodes] == ids[:CHILDREN_PAGE]
    assert first.next_after == ids[CHILDREN_PAGE - 1]

    with django_assert_num_queries(3):  # session, user, one page
        response = ops.get(reverse("referral:ops_tree_children", args=[boss.pk, "referrals"]),
                           {"after": first.next_after}, HTTP_HX_REQUEST="true")

    assert [n.user.pk for n in response.context["page"].nodes] == ids[CHILDREN_PAGE:]
    assert response.context["page"].next_after is None
    assert "加载更多" not in response.content.decode()
    assert 'hx-get="' in ops.get(reverse("referral:ops_tree"), {"q": str(boss.pk)}).content.decode()


def test_an_unknown_relation_answers_404(ops):
    boss = a_boss_with_referrals(1)
    assert ops.get(reverse("referral:ops_tree_children", args=[boss.pk, "everyone"])).status_code == 404


def test_a_long_referrer_chain_is_cut_at_twenty(ops):
    users = [t.make_consumer() for _ in range(25)]
    Promoter.objects.create(user=users[0])
    for parent, child in zip(users, users[1:], strict=False):
        Promoter.objects.create(user=child, referrer=parent)

    graph = ops.get(reverse("referral:ops_tree"), {"q": str(users[-1].pk)}).context["graph"]

    assert [n.user for n in graph.chain] == list(reversed(users[4:-1]))
    assert graph.chain_more is True


# --- rewards ----------------------------------------------------------------------------------


@pytest.fixture
def rewarded():
    mall = make_mall()
    go_live(mall["operator"], {"profile": "classic"})
    boss = t.make_consumer()
    promoter_seed(user=boss, level="boss")
    for _ in range(2):
        buyer = t.make_consumer()
        referral_bind(user=buyer, referrer=boss, via="link")
        buy(mall, buyer)
    return boss


def test_the_rewards_overview_totals_by_status_and_kind(ops, rewarded):
    response = ops.get(reverse("referral:ops_rewards"))

    assert response.status_code == 200
    assert [(r["status"], r["kind"], r["count"], r["amount_fen"]) for r in response.context["totals"]] == [
        ("pending", "direct", 2, 20000), ("pending", "team", 2, 40000)]
    assert response.context["total_amount_fen"] == 60000
    assert len(response.context["recent"]) == 4
    assert "600.00" in response.content.decode()


@pytest.mark.parametrize("orders", [1, 4])
def test_the_rewards_overview_costs_the_same_queries_whatever_the_number_of_rewards(
        ops, django_assert_num_queries, orders):
    mall = make_mall()
    go_live(mall["operator"], {"profile": "classic"})
    boss = t.make_consumer()
    promoter_seed(user=boss, level="boss")
    for _ in range(orders):
        buyer = t.make_consumer()
        referral_bind(user=buyer, referrer=boss, via="link")
        buy(mall, buyer)
    with django_assert_num_queries(4):  # session, user, totals, recent rewards with recipients and orders
        ops.get(reverse("referral:ops_rewards"))


def test_the_rewards_filter_by_kind(ops, rewarded):
    response = ops.get(reverse("referral:ops_rewards"), {"kind": "team", "status": "nonsense"})
    assert {r.kind for r in response.context["recent"]} == {"team"}
    assert response.context["status"] == ""


def test_the_rewards_csv_lists_every_reward_in_yuan(ops, rewarded):
    response = ops.get(reverse("referral:ops_rewards_csv"), {"kind": "direct"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["奖励编号", "订单号", "获得者ID"]
    assert [(r[2], r[4], r[5], r[6]) for r in rows[1:]] == [(str(rewarded.pk), "direct", "pending", "100.00")] * 2
    assert Reward.objects.count() == 4
