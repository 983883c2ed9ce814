"""Clauses of docs/specs/chain21.md not already proved by the worked example, each as a scenario."""

import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)

SHOP = """
  - supplier: {id: S1}
  - merchant: {id: M1}
  - product: {id: GIFT, supplier: S1, merchant: M1, price: "499.00", cost: "150.00", pool: "300.00", qualifying: true}
  - product: {id: TEA, supplier: S1, merchant: M1, price: "100.00", cost: "40.00", pool: "20.00"}
"""


def run(tmp_path, capsys, plan: str, steps: str) -> dict:
    path = tmp_path / "s.yaml"
    path.write_text(f'start: "2026-05-01T10:00:00+08:00"\nplan: {plan}\nsteps:\n{SHOP}{steps}', encoding="utf-8")
    call_command("scenario", "run", str(path))
    return json.loads(capsys.readouterr().out)


def available(out, user):
    return out["users"][user]["balance"]["available"]


def test_entry_by_cumulative_spend_makes_an_agent_once_the_spend_is_reached(tmp_path, capsys):
    """§2: with entry {spend: X} a member becomes an agent when cumulative spend reaches X."""
    out = run(tmp_path, capsys, '{profile: classic, entry: {spend: "250.00"}, rewards_on: all, direct: "10%"}', """
  - user: {id: A, level: boss}
  - user: {id: B, referrer: A}
  - order: {id: o1, user: B, lines: [{product: TEA, qty: 2}]}
  - user: {id: C, referrer: B}
  - order: {id: o2, user: B, lines: [{product: TEA, qty: 1}]}
  - order: {id: o3, user: C, lines: [{product: TEA, qty: 1}]}
  - advance: {days: 8}
""")
    assert out["users"]["B"]["level"] == "agent"  # 200.00, then 300.00 ≥ 250.00
    assert out["users"]["B"]["team_owner"] == "A"
    assert out["users"]["C"]["level"] == "member"  # 100.00 < 250.00
    # o3: C's referrer B earns 10% of the 20.00 pool; C is in no team, so no team reward
    assert available(out, "B") == "2.00"
    # A: direct 10% of o1's pool (4.00), while B was still a member in no team; then on o2,
    # where B entered first and joined A's team: direct 2.00 and team 200.00
    assert available(out, "A") == "206.00"


def test_rewards_on_all_pay_percentages_of_the_pool_of_any_product(tmp_path, capsys):
    """§3 with the sales profile: 60% direct and 40% team of the pool, capped at 30% of the price."""
    out = run(tmp_path, capsys, "{profile: sales}", """
  - user: {id: A, level: boss}
  - user: {id: B, referrer: A, level: agent, team_owner: A}
  - user: {id: C, referrer: B, level: agent, team_owner: A}
  - order: {id: o1, user: C, lines: [{product: TEA, qty: 3}]}
  - advance: {days: 8}
""")
    # pool 60.00: B direct 36.00, A team 24.00 (A is 2 invite levels above C); cap 90.00 not reached
    assert (available(out, "B"), available(out, "A")) == ("36.00", "24.00")
    assert out["accounts"]["merchant:M1"]["available"] == "120.00"  # 300 − 120 cost − 60 rewards


def test_peer_reward_goes_one_generation_only(tmp_path, capsys):
    """§3: peer → the team owner's origin_boss, never that boss's own origin boss."""
    out = run(tmp_path, capsys, "{profile: classic}", """
  - user: {id: A, level: boss}
  - user: {id: B, referrer: A}
  - order: {id: b, user: B, lines: [{product: GIFT, qty: 1}]}
  - order: {id: b1, user: B1, via: B, lines: [{product: GIFT, qty: 1}]}
  - order: {id: b2, user: B2, via: B, lines: [{product: GIFT, qty: 1}]}
  - order: {id: c, user: C, via: B, lines: [{product: GIFT, qty: 1}]}
  - order: {id: c1, user: C1, via: C, lines: [{product: GIFT, qty: 1}]}
  - order: {id: c2, user: C2, via: C, lines: [{product: GIFT, qty: 1}]}
  - order: {id: d, user: D, via: C, lines: [{product: GIFT, qty: 1}]}
  - advance: {days: 8}
""")
    assert (out["users"]["B"]["origin_boss"], out["users"]["C"]["origin_boss"]) == ("A", "B")
    assert out["users"]["D"]["team_owner"] == "C"
    # A: b (100 + 200), b1 (200), b2 (200), then 20 peer on each of c, c1, c2 (B's team).
    # D's order pays C 300 and B 20 peer; A, two generations up, gets nothing from it.
    assert available(out, "A") == "760.00"
    assert available(out, "C") == "500.00"  # c1, c2 direct (200) + d direct and team (300)


def test_under_basis_paid_a_refund_reverses_money_but_not_placement(tmp_path, capsys):
    """§4: with basis paid, placements and promotions are permanent; a refund reverses money only."""
    out = run(tmp_path, capsys, "{profile: classic}", """
  - user: {id: A, level: boss}
  - order: {id: o1, user: B, via: A, lines: [{product: GIFT, qty: 1}]}
  - refund: {order: o1}
  - advance: {days: 8}
""")
    assert (out["users"]["B"]["level"], out["users"]["B"]["team_owner"]) == ("agent", "A")
    assert out["users"]["A"]["balance"] == {"pending": "0.00", "available": "0.00", "withdrawn": "0.00"}
    assert out["orders"]["o1"]["status"] == "refunded"
    assert out["ledger"]["balanced"] is True


def test_the_platform_fee_is_taken_from_each_line_and_the_merchant_keeps_the_rest(tmp_path, capsys):
    """§6: F = P × platform_fee (half up), M = P − C − F − W, all pending until the order settles."""
    out = run(tmp_path, capsys, '{profile: classic, platform_fee: "5%"}', """
  - user: {id: A, level: boss}
  - order: {id: o1, user: B, via: A, lines: [{product: GIFT, qty: 1}, {product: TEA, qty: 1}]}
  - advance: {days: 3}
""")
    assert out["orders"]["o1"] == {"status": "paid", "total": "599.00", "discount": "0.00", "points": "0.00"}
    # fee: 5% of 499.00 = 24.95; 5% of 100.00 = 5.00
    assert out["accounts"]["platform"]["pending"] == "29.95"
    assert out["accounts"]["supplier:S1"]["pending"] == "190.00"
    # merchant: 599 − 190 − 29.95 − 300 rewards
    assert out["accounts"]["merchant:M1"]["pending"] == "79.05"
    assert out["users"]["A"]["balance"]["pending"] == "300.00"
