"""Seeding users into the graphs (`promoter_seed`, chain21.md §2): every team owner is a boss (§1),
so an agent seeded into the team of anyone else is refused, and the refusal changes nothing."""

import pytest

from linkmall import testing as t
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput
from linkmall.referral.models import Promoter, TeamEvent
from linkmall.referral.services import promoter_seed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(clock.now())
    yield
    clock.reset()


def graph_rows():
    """Every promoter row and team event, as plain values, to show a refusal changed nothing."""
    promoters = sorted(Promoter.objects.values_list("user_id", "level", "team_owner_id", "origin_boss_id", "slots"))
    events = sorted(TeamEvent.objects.values_list("user_id", "kind", "team_owner_id", "detail"))
    return promoters, events


@pytest.fixture
def graph():
    boss, agent, member, newcomer = (t.make_consumer() for _ in range(4))
    promoter_seed(user=boss, level="boss")
    promoter_seed(user=agent, level="agent", team_owner=boss)
    promoter_seed(user=member, level="member")
    return {"boss": boss, "agent": agent, "member": member, "newcomer": newcomer}


def test_an_agent_is_seeded_into_the_team_of_a_boss(graph):
    promoter = promoter_seed(user=graph["newcomer"], level="agent", team_owner=graph["boss"])

    assert (promoter.level, promoter.team_owner_id) == ("agent", graph["boss"].pk)
    assert list(TeamEvent.objects.filter(user=graph["newcomer"]).values_list("kind", "team_owner_id", "detail")) == [
        ("seeded", graph["boss"].pk, "agent")]


@pytest.mark.parametrize(("owner", "level"), [("agent", "agent"), ("member", "member"), ("newcomer", "member")])
def test_seeding_an_agent_into_the_team_of_a_non_boss_is_refused_and_changes_nothing(graph, owner, level):
    """`newcomer` as the owner: a user with no promoter row at all is a member; here the user itself."""
    before = graph_rows()

    with pytest.raises(Conflict) as refused:
        promoter_seed(user=graph["newcomer"], level="agent", team_owner=graph[owner])

    assert (refused.value.code, refused.value.message) == ("team_owner_not_boss", "A team owner must be a boss.")
    assert refused.value.detail == {"team_owner": graph[owner].pk, "level": level}
    assert graph_rows() == before
    assert not Promoter.objects.filter(user=graph["newcomer"]).exists()


def test_a_boss_is_never_an_agents_team_owner_of_itself(graph):
    """Re-seeding a boss as an agent in its own team: the owner is the user itself."""
    before = graph_rows()

    with pytest.raises(Conflict) as refused:
        promoter_seed(user=graph["boss"], level="agent", team_owner=graph["boss"])

    assert refused.value.code == "team_owner_not_boss"
    assert graph_rows() == before


def test_a_member_is_seeded_in_no_team(graph):
    before = graph_rows()

    with pytest.raises(InvalidInput) as refused:
        promoter_seed(user=graph["newcomer"], level="member", team_owner=graph["boss"])

    assert (refused.value.code, refused.value.message) == (
        "invalid_input", "A member is in no team: only an agent is seeded with a team owner.")
    assert graph_rows() == before
