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
