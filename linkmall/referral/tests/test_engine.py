"""The 2+1 rules on an in-memory graph: spec §2 placement, §3 rewards, §9 worked example."""

from dataclasses import dataclass, field

import pytest

from linkmall.referral.engine import (
    AGENT,
    BOSS,
    MEMBER,
    Recipients,
    enter_as_agent,
    line_recipients,
    line_reward_amounts,
)
from linkmall.referral.plans import Plan


@dataclass
class MemoryGraph:
    levels: dict = field(default_factory=dict)
    referrers: dict = field(default_factory=dict)
    owners: dict = field(default_factory=dict)
    origins: dict = field(default_factory=dict)
    slot_counts: dict = field(default_factory=dict)

    def add(self, user, *, referrer=None, level=MEMBER, team_owner=None):
        self.levels[user] = level
        self.referrers[user] = referrer
        self.owners[user] = team_owner

    def level(self, u):
        return self.levels[u]

    def referrer(self, u):
        return self.referrers.get(u)

    def team_owner(self, u):
        return self.owners.get(u)

    def origin_boss(self, u):
        return self.origins.get(u)

    def slots(self, u):
        return self.slot_counts.get(u, 0)

    def set_level(self, u, v):
        self.levels[u] = v

    def set_team_owner(self, u, v):
        self.owners[u] = v

    def set_origin_boss(self, u, v):
        self.origins[u] = v

    def set_slots(self, u, v):
        self.slot_counts[u] = v


GIFT = {"unit_price_fen": 49900, "unit_pool_fen": 30000}


def buy_gift(graph, plan, buyer, earned):
    enter_as_agent(graph, buyer, plan)
    recipients = line_recipients(graph, plan, buyer)
    amounts = line_reward_amounts(plan, recipients, quantity=1, **GIFT)
    for kind, amount in amounts.items():
        if amount:
            who = getattr(recipients, kind)
            earned[who] = earned.get(who, 0) + amount
    return recipients, amounts


def test_the_worked_example_of_the_spec_pays_a_1040_b_700_b3_100():
    plan = Plan.parse({"profile": "classic"})
    g = MemoryGraph()
    g.add("A", level=BOSS)
    for user, ref in [("B", "A"), ("C", "A"), ("B1", "B"), ("B2", "B"), ("B3", "B"), ("B3a", "B3")]:
        g.add(user, referrer=ref)
    earned = {}  # name -> fen (this test names its users; the engine's ids are ints)

    assert buy_gift(g, plan, "B", earned)[1] == {"direct": 10000, "team": 20000, "peer": 0}
    buy_gift(g, plan, "C", earned)
    buy_gift(g, plan, "B1", earned)
    assert (g.team_owner("B1"), g.slots("B"), g.level("B")) == ("A", 1, AGENT)
    buy_gift(g, plan, "B2", earned)
    assert (g.team_owner("B2"), g.level("B"), g.team_owner("B"), g.origin_boss("B")) == ("A", BOSS, None, "A")
    assert buy_gift(g, plan, "B3", earned) == (
        Recipients(direct="B", team="B", peer="A"), {"direct": 10000, "team": 20000, "peer": 2000}
    )
    assert buy_gift(g, plan, "B3a", earned)[0] == Recipients(direct="B3", team="B", peer="A")

    assert earned == {"A": 104000, "B": 70000, "B3": 10000}
    teams = {owner: sorted(u for u, o in g.owners.items() if o == owner) for owner in ("A", "B")}
    assert teams == {"A": ["B1", "B2", "C"], "B": ["B3", "B3a"]}


def test_a_member_referrer_places_the_new_agent_in_no_team_and_earns_nothing():
    plan = Plan.parse({"profile": "classic"})
    g = MemoryGraph()
    g.add("M")
    g.add("U", referrer="M")
    enter_as_agent(g, "U", plan)
    assert (g.level("U"), g.team_owner("U")) == (AGENT, None)
    assert line_recipients(g, plan, "U") == Recipients(direct=None, team=None, peer=None)


def test_the_cap_cuts_direct_then_team_then_peer_to_what_is_left():
    plan = Plan.parse({"profile": "classic", "payout_cap": "30%"})
    # 30% of 499.00 = 149.70: direct 100 fits, team gets 49.70, peer nothing
    amounts = line_reward_amounts(plan, Recipients("R", "T", "O"), quantity=1, **GIFT)
    assert amounts == {"direct": 10000, "team": 4970, "peer": 0}


def test_percent_rewards_come_from_the_pool_rounded_half_up_per_line():
    plan = Plan.parse({"profile": "sales", "payout_cap": None})
    amounts = line_reward_amounts(plan, Recipients("R", "T", None), quantity=3, unit_price_fen=1999,
                                  unit_pool_fen=333)
    # pool 9.99: 60% = 5.994 → 5.99; 40% = 3.996 → 4.00
    assert amounts == {"direct": 599, "team": 400, "peer": 0}


def test_team_depth_limit_stops_the_team_reward_of_a_far_owner():
    plan = Plan.parse({"profile": "classic", "team_depth_limit": 2})
    g = MemoryGraph()
    g.add("A", level=BOSS)
    g.add("X", referrer="A", level=AGENT, team_owner="A")
    g.add("Y", referrer="X", level=AGENT, team_owner="A")
    g.add("Z", referrer="Y", level=AGENT, team_owner="A")
    assert line_recipients(g, plan, "Y").team == "A"  # two levels up
    assert line_recipients(g, plan, "Z").team is None  # three levels up


def test_a_buyer_never_earns_from_its_own_order():
    plan = Plan.parse({"profile": "classic"})
    g = MemoryGraph()
    g.add("A", level=BOSS, team_owner="A")
    assert line_recipients(g, plan, "A") == Recipients(None, None, None)


@pytest.mark.parametrize(
    ("plan", "code"),
    [({"profile": "nope"}, "invalid_input"), ({"direct": "1.234"}, "invalid_input"),
     ({"peer": "150%"}, "invalid_input"), ({"colour": "red"}, "invalid_input"),
     ({"slide_count": 0}, "invalid_input"), ({"entry": {"spend": "x"}}, "invalid_input"),
     ({"direct": 1.5}, "invalid_input"), ({"team": 200}, "invalid_input")],
)
def test_a_malformed_plan_is_refused_with_a_clear_error(plan, code):
    from linkmall.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as err:
        Plan.parse(plan)
    assert err.value.code == code
