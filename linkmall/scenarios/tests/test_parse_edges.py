"""Malformed scenario files the first parse tests do not cover (spec §8): ids of suppliers,
merchants and users that name nothing, and plan errors, each refused before anything runs."""

import pytest

from linkmall.referral.plans import Plan
from linkmall.scenarios.parse import ScenarioError, parse_scenario

HEAD = """
start: "2026-01-01T10:00:00+08:00"
plan: {profile: classic}
steps:
  - supplier: {id: S1}
  - merchant: {id: M1}
  - product: {id: GIFT, supplier: S1, merchant: M1, price: "499.00", cost: "150.00", pool: "300.00", qualifying: true}
  - user: {id: A, level: boss}
"""
PRODUCT = '  - product: {{id: TEA, supplier: {s}, merchant: {m}, price: "100.00", cost: "40.00"}}\n'


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        (PRODUCT.format(s="S9", m="M1"), "step 5: product: supplier 'S9' names no supplier"),
        (PRODUCT.format(s="S1", m="M9"), "step 5: product: merchant 'M9' names no merchant"),
        # a merchant's id is not a supplier's, and the other way round
        (PRODUCT.format(s="M1", m="M1"), "step 5: product: supplier 'M1' names no supplier"),
        (PRODUCT.format(s="S1", m="S1"), "step 5: product: merchant 'S1' names no merchant"),
        ('  - withdraw: {user: NOBODY, amount: "10.00"}\n', "step 5: withdraw: user 'NOBODY' names no user"),
        # a buyer is known only from its order on: a withdrawal before it names no user
        ('  - withdraw: {user: B, amount: "10.00"}\n  - order: {id: o1, user: B, lines: [{product: GIFT}]}\n',
         "step 5: withdraw: user 'B' names no user"),
        ("  - user: {id: C, level: agent, team_owner: Z}\n", "step 5: user: team_owner 'Z' names no user"),
        ("  - user: {id: C, level: king}\n", "step 5: user: level must be one of member, agent, boss"),
        ("  - user: {id: C, level: boss, team_owner: A}\n", "step 5: user: a boss is in no team"),
        ('  - order: {id: o1, user: B, lines: [{product: GIFT}]}\n  - order: {id: o1, user: C, lines: [{product: GIFT}]}\n',
         "step 6: order: id 'o1' is already used"),
        ("  - withdraw: {user: A}\n", "step 5: withdraw: missing field(s): amount"),
        ('  - withdraw: {user: A, amount: "0.00"}\n', "step 5: amount must be > 0"),
    ],
)
def test_an_id_that_names_nothing_is_refused_naming_the_step(tail, message):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(HEAD + tail)
    assert str(err.value) == message


MEMBER_IN_NO_TEAM = "user: team_owner is only for level: agent (a member is in no team)"


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ("  - user: {id: C, name: Cee}\n", "step 5: user: unknown field(s): name"),
        ("  - user: {id: C, team_owner: A}\n", f"step 5: {MEMBER_IN_NO_TEAM}"),
        ("  - user: {id: C, level: member, team_owner: A}\n", f"step 5: {MEMBER_IN_NO_TEAM}"),
    ],
)
def test_a_field_that_means_nothing_for_its_user_is_refused_naming_the_step_and_the_field(tail, message):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(HEAD + tail)
    assert str(err.value) == message


def not_a_boss(step: int, owner: str) -> str:
    return f"step {step}: user: team_owner {owner!r} cannot be a boss by this step (every team owner is a boss)"


SEED_C_INTO_B = "  - user: {id: C, level: agent, team_owner: B}\n"


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ("  - user: {id: B}\n" + SEED_C_INTO_B, not_a_boss(6, "B")),
        ("  - user: {id: B, level: agent}\n" + SEED_C_INTO_B, not_a_boss(6, "B")),
        ("  - user: {id: B, level: agent, team_owner: A}\n" + SEED_C_INTO_B, not_a_boss(6, "B")),
        ("  - order: {id: o1, user: B, via: A, lines: [{product: GIFT}]}\n" + SEED_C_INTO_B, not_a_boss(6, "B")),
        # one agent referral fills one of B's two slots
        ("  - user: {id: B, level: agent}\n  - user: {id: B1, referrer: B, level: agent}\n" + SEED_C_INTO_B,
         not_a_boss(7, "B")),
        # a referral seeded into a team fills no slot: it did not enter (chain21.md §2)
        ("  - user: {id: B, level: agent}\n  - user: {id: B1, referrer: B, level: agent, team_owner: A}\n"
         "  - user: {id: B2, referrer: B, level: agent, team_owner: A}\n" + SEED_C_INTO_B, not_a_boss(8, "B")),
        # nor do referrals who stay members: no order, no `level: agent`
        ("  - user: {id: B, level: agent}\n  - user: {id: B1, referrer: B}\n  - user: {id: B2, referrer: B}\n"
         + SEED_C_INTO_B, not_a_boss(8, "B")),
    ],
)
def test_an_agent_seeded_into_the_team_of_a_user_the_file_shows_is_no_boss_is_refused_naming_the_step(tail, message):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(HEAD + tail)
    assert str(err.value) == message


@pytest.mark.parametrize(
    "tail",
    [
        # B's two referrals enter by their orders: B may be a boss by then
        "  - order: {id: o1, user: B, via: A, lines: [{product: GIFT}]}\n"
        "  - order: {id: o2, user: B1, via: B, lines: [{product: GIFT}]}\n"
        "  - order: {id: o3, user: B2, via: B, lines: [{product: GIFT}]}\n",
        # or by `user` steps that enter them now
        "  - user: {id: B, level: agent}\n  - user: {id: B1, referrer: B, level: agent}\n"
        "  - user: {id: B2, referrer: B, level: agent}\n",
    ],
)
def test_an_agent_seeded_into_the_team_of_a_user_who_may_be_a_boss_by_then_is_left_to_the_run(tail):
    scenario = parse_scenario(HEAD + tail + SEED_C_INTO_B)
    assert scenario.steps[-1].args == {"id": "C", "level": "agent", "team_owner": "B"}


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ("{bogus: 1}", "scenario: plan: unknown plan key(s): bogus"),
        ("{profile: classic, bogus: 1, extra: 2}", "scenario: plan: unknown plan key(s): bogus, extra"),
        ("{profile: nope}", "scenario: plan: unknown plan profile 'nope'"),
        ("{profile: classic, slide_count: 0}", "scenario: plan: slide_count must be a whole number ≥ 1"),
        ("{profile: classic, slide_count: 1.5}", "scenario: plan: slide_count must be a whole number ≥ 1"),
        ("{profile: classic, team_depth_limit: 0}",
         "scenario: plan: team_depth_limit must be a whole number ≥ 1 or none"),
        ("{profile: classic, peer: ten}", 'scenario: plan: plan key \'peer\' must be a percentage such as "10%"'),
        ("{profile: classic, direct: 100}",
         'scenario: plan: plan key \'direct\' must be a string such as "100.00" or "60%"'),
        ("[classic]", "scenario: plan must be a mapping"),
    ],
)
def test_a_malformed_plan_is_refused_naming_the_plan(plan, message):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(HEAD.replace("{profile: classic}", plan))
    assert str(err.value) == message


@pytest.mark.parametrize("word", ["none", "None", "off", "~"])
def test_a_plan_file_can_switch_the_depth_limit_the_cap_and_the_peer_off_with_the_words_of_the_spec(word):
    """§7 writes "none" for classic's team_depth_limit and payout_cap; YAML reads it as a string."""
    text = HEAD.replace("{profile: classic}",
                        f"{{profile: sales, team_depth_limit: {word}, payout_cap: {word}, peer: {word}}}")
    scenario = parse_scenario(text)
    plan = Plan.parse(scenario.plan)
    assert (plan.team_depth_limit, plan.payout_cap_percent, plan.peer_percent) == (None, None, None)
