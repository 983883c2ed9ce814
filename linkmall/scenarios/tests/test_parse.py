import pytest

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


def test_a_well_formed_file_parses_into_numbered_steps_with_amounts_in_fen():
    scenario = parse_scenario(HEAD + """
  - order: {id: o1, user: B, via: A, lines: [{product: GIFT, qty: 2}]}
  - refund: {order: o1, lines: [{product: GIFT, qty: 1}]}
  - advance: {days: 8}
  - withdraw: {user: A, amount: "100.00"}
""")
    assert scenario.start.isoformat() == "2026-01-01T10:00:00+08:00"
    assert [s.action for s in scenario.steps] == [
        "supplier", "merchant", "product", "user", "order", "refund", "advance", "withdraw"]
    product = scenario.steps[2].args
    assert (product["price_fen"], product["cost_fen"], product["pool_fen"]) == (49900, 15000, 30000)
    assert scenario.steps[4].args["lines"] == [{"product": "GIFT", "qty": 2}]
    assert scenario.steps[7].args["amount_fen"] == 10000


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ("  - dance: {id: x}\n", "step 5: unknown action 'dance'"),
        ("  - order: {id: o1, user: B}\n", "step 5: order: missing field(s): lines"),
        ("  - order: {id: o1, user: B, lines: [{product: NOPE, qty: 1}]}\n", "step 5: order: product 'NOPE' names no product"),
        ("  - user: {id: C, referrer: Z}\n", "step 5: user: referrer 'Z' names no user"),
        ("  - refund: {order: o9}\n", "step 5: refund: order 'o9' names no order"),
        ("  - withdraw: {user: A, amount: \"1.001\"}\n", "step 5: amount has more than two decimals"),
        ("  - user: {id: A}\n", "step 5: user: id 'A' is already used"),
        ("  - advance: {days: 1, weeks: 2}\n", "step 5: advance: unknown field(s): weeks"),
        ("  - order: {id: o1, user: B, via: Q, lines: [{product: GIFT}]}\n", "step 5: order: via 'Q' names no user"),
    ],
)
def test_a_malformed_step_is_refused_naming_the_step(tail, message):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(HEAD + tail)
    assert str(err.value).startswith(message)


def test_bad_yaml_is_refused_with_its_line():
    with pytest.raises(ScenarioError, match=r"not valid YAML at line 3"):
        parse_scenario("steps:\n  - [unclosed\n")


def test_only_the_buyer_of_an_order_may_be_new():
    scenario = parse_scenario(HEAD + "  - order: {id: o1, user: NEW, lines: [{product: GIFT, qty: 1}]}\n"
                                     "  - withdraw: {user: NEW, amount: \"1.00\"}\n")
    assert scenario.steps[-1].args["user"] == "NEW"
