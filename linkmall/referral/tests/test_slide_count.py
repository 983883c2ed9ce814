"""`slide_count` other than 2 (spec §2.2, §7): an agent's referrals fill its contribution slots
(each one slides into the agent's boss's team), and when the count reaches `slide_count` the
agent is promoted to boss at once and breaks away; the slid referrals stay where they are.
"""

from collections import Counter

import pytest

from linkmall import testing as t
from linkmall.core import clock
from linkmall.referral.engine import AGENT, BOSS, MEMBER, enter_as_agent
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import Promoter, Reward, TeamEvent
from linkmall.referral.plans import Plan
from linkmall.referral.services import promoter_seed
from linkmall.referral.tests._engine_world import buy, go_live, shop_open

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(clock.now())
    yield
    clock.reset()


class Story:
    """A seeded boss A, and users who each bind to a referrer and buy one package."""

    def __init__(self, slide_count: int):
        self.shop = shop_open(gift_pool_fen=30000)
        go_live(self.shop, {"profile": "classic", "slide_count": slide_count})
        self.users = {"A": t.make_consumer()}
        promoter_seed(user=self.users["A"], level="boss")

    def joins_and_buys(self, name: str, referrer: str):
        self.users[name] = t.make_consumer()
        referral_bind(user=self.users[name], referrer=self.users[referrer], via="link")
        return buy(self.shop, self.users[name])

    def state(self, name: str) -> tuple:
        names: dict[int | None, str] = {u.pk: n for n, u in self.users.items()}
        p = Promoter.objects.get(user=self.users[name])
        return p.level, names.get(p.team_owner_id), names.get(p.origin_boss_id), p.slots

    def rewards_of(self, order) -> dict[tuple[str, str], int]:
        names = {u.pk: n for n, u in self.users.items()}
        return {(names[r], kind): amount
                for r, kind, amount in Reward.objects.filter(order=order).values_list("recipient", "kind", "amount_fen")}

    def events(self, order) -> list[tuple[str, str, str]]:
        names = {u.pk: n for n, u in self.users.items()}
        return [(names[e.user_id], e.kind, e.detail) for e in TeamEvent.objects.filter(order=order)]


def test_with_slide_count_3_the_third_referral_promotes_and_the_first_three_slide():
    story = Story(slide_count=3)
    story.joins_and_buys("B", "A")
    assert story.state("B") == (AGENT, "A", None, 0)

    for n, name in enumerate(["B1", "B2"], start=1):
        order = story.joins_and_buys(name, "B")
        assert story.state(name) == (AGENT, "A", None, 0)  # slid into A's team
        assert story.state("B") == (AGENT, "A", None, n)  # not yet: 3 slots to fill
        assert story.events(order) == [(name, "slid", f"slot {n}")]
        assert story.rewards_of(order) == {("B", "direct"): 10000, ("A", "team"): 20000}

    third = story.joins_and_buys("B3", "B")
    assert story.events(third) == [("B3", "slid", "slot 3"), ("B", "promoted", ""), ("B", "broke_away", "origin_boss")]
    assert story.state("B3") == (AGENT, "A", None, 0)
    assert story.state("B") == (BOSS, None, "A", 3)
    # B was promoted before the rewards of the order were computed, but B3 sits in A's team
    assert story.rewards_of(third) == {("B", "direct"): 10000, ("A", "team"): 20000}

    fourth = story.joins_and_buys("B4", "B")
    assert story.events(fourth) == [("B4", "placed", "")]
    assert story.state("B4") == (AGENT, "B", None, 0)
    assert story.rewards_of(fourth) == {("B", "direct"): 10000, ("B", "team"): 20000, ("A", "peer"): 2000}
    # the slid referrals stay in A's team for good
    assert [story.state(n)[1] for n in ("B1", "B2", "B3")] == ["A", "A", "A"]


def test_with_slide_count_1_the_first_referral_slides_and_promotes_at_once():
    story = Story(slide_count=1)
    story.joins_and_buys("B", "A")
    first = story.joins_and_buys("B1", "B")
    assert story.events(first) == [("B1", "slid", "slot 1"), ("B", "promoted", ""), ("B", "broke_away", "origin_boss")]
    assert story.state("B1") == (AGENT, "A", None, 0)
    assert story.state("B") == (BOSS, None, "A", 1)
    assert story.rewards_of(first) == {("B", "direct"): 10000, ("A", "team"): 20000}

    second = story.joins_and_buys("B2", "B")
    assert story.state("B2") == (AGENT, "B", None, 0)
    assert story.rewards_of(second) == {("B", "direct"): 10000, ("B", "team"): 20000, ("A", "peer"): 2000}
    # B2's own first referral promotes B2 at once, out of B's team, with B as its origin boss
    story.joins_and_buys("B2a", "B2")
    assert story.state("B2") == (BOSS, None, "B", 1)
    assert story.state("B2a") == (AGENT, "B", None, 0)


class MemoryGraph:
    def __init__(self) -> None:
        self.rows: dict[int, dict] = {}

    def _row(self, user):
        return self.rows.setdefault(user, {"level": MEMBER, "referrer": None, "team_owner": None,
                                           "origin_boss": None, "slots": 0})

    def level(self, user): return self._row(user)["level"]
    def referrer(self, user): return self._row(user)["referrer"]
    def team_owner(self, user): return self._row(user)["team_owner"]
    def origin_boss(self, user): return self._row(user)["origin_boss"]
    def slots(self, user): return self._row(user)["slots"]
    def set_level(self, user, level): self._row(user)["level"] = level
    def set_team_owner(self, user, owner): self._row(user)["team_owner"] = owner
    def set_origin_boss(self, user, boss): self._row(user)["origin_boss"] = boss
    def set_slots(self, user, slots): self._row(user)["slots"] = slots


@pytest.mark.parametrize("slide_count", [1, 2, 3, 5])
def test_an_agent_is_promoted_exactly_when_its_slots_reach_the_configured_count(slide_count):
    """The engine alone: referral k of an agent slides for k ≤ slide_count, and promotion comes with the last."""
    plan = Plan.parse({"profile": "classic", "slide_count": slide_count})
    graph = MemoryGraph()
    graph.set_level(1, BOSS)
    graph._row(2)["referrer"] = 1
    enter_as_agent(graph, 2, plan)
    kinds = Counter()
    for k in range(1, slide_count + 3):
        user = 100 + k
        graph._row(user)["referrer"] = 2
        events = enter_as_agent(graph, user, plan)
        kinds.update(e.kind for e in events)
        if k < slide_count:
            assert [e.kind for e in events] == ["slid"]
            assert graph.level(2) == AGENT
        elif k == slide_count:
            assert [(e.kind, e.user) for e in events] == [("slid", user), ("promoted", 2), ("broke_away", 2)]
        else:
            assert [(e.kind, e.team_owner) for e in events] == [("placed", 2)]
        expected_owner = 1 if k <= slide_count else 2
        assert graph.team_owner(user) == expected_owner
    assert kinds == {"slid": slide_count, "promoted": 1, "broke_away": 1, "placed": 2}
    assert (graph.level(2), graph.team_owner(2), graph.origin_boss(2), graph.slots(2)) == (BOSS, None, 1, slide_count)
