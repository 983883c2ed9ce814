"""`linkmall scenario run` on edges of spec §8: an ignored `via`, a plan with another slide_count,
a plan written with the spec's "none", and malformed ids that exit 2 before anything runs."""

import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)

HEAD = """
start: "2026-03-01T09:00:00+08:00"
plan: {plan}
steps:
  - supplier: {{id: S1}}
  - merchant: {{id: M1}}
  - product: {{id: GIFT, supplier: S1, merchant: M1, price: "499.00", cost: "150.00", pool: "300.00", qualifying: true}}
  - user: {{id: A, level: boss}}
"""


def write(tmp_path, plan: str, steps: str):
    path = tmp_path / "s.yaml"
    path.write_text(HEAD.format(plan=plan) + steps, encoding="utf-8")
    return path


def run(tmp_path, capsys, plan: str, steps: str) -> dict:
    call_command("scenario", "run", str(write(tmp_path, plan, steps)))
    return json.loads(capsys.readouterr().out)


def test_a_via_that_would_bind_oneself_close_a_cycle_or_rebind_is_ignored_and_the_order_goes_through(tmp_path, capsys):
    out = run(tmp_path, capsys, "{profile: classic}", """
  - user: {id: C, level: boss}
  - order: {id: o1, user: B, via: A, lines: [{product: GIFT, qty: 1}]}
  - order: {id: o2, user: A, via: B, lines: [{product: GIFT, qty: 1}]}
  - order: {id: o3, user: B, via: B, lines: [{product: GIFT, qty: 1}]}
  - order: {id: o4, user: B, via: C, lines: [{product: GIFT, qty: 1}]}
  - advance: {days: 8}
""")
    assert out["rejected"] == []
    assert {o: v["status"] for o, v in out["orders"].items()} == {
        "o1": "settled", "o2": "settled", "o3": "settled", "o4": "settled"}
    # o2: A → B would close a cycle; o3: B → B is a self-referral; o4: B is already bound (first touch)
    assert {u: out["users"][u]["referrer"] for u in ("A", "B", "C")} == {"A": None, "B": "A", "C": None}
    assert (out["users"]["B"]["level"], out["users"]["B"]["team_owner"]) == ("agent", "A")
    # A earns 300 on each of B's orders (direct 100 + team 200) and nothing on its own; C nothing
    assert out["users"]["A"]["balance"] == {"pending": "0.00", "available": "900.00", "withdrawn": "0.00"}
    assert out["users"]["C"]["balance"]["available"] == "0.00"
    # the merchant keeps 4 × (499 − 150) − 900
    assert out["accounts"]["merchant:M1"]["available"] == "496.00"
    assert out["ledger"]["balanced"] is True


def test_with_slide_count_3_the_third_referral_still_slides_and_promotes(tmp_path, capsys):
    out = run(tmp_path, capsys, "{profile: classic, slide_count: 3}", """
  - order: {id: b, user: B, via: A, lines: [{product: GIFT, qty: 1}]}
  - order: {id: b1, user: B1, via: B, lines: [{product: GIFT, qty: 1}]}
  - order: {id: b2, user: B2, via: B, lines: [{product: GIFT, qty: 1}]}
  - order: {id: b3, user: B3, via: B, lines: [{product: GIFT, qty: 1}]}
  - order: {id: b4, user: B4, via: B, lines: [{product: GIFT, qty: 1}]}
  - advance: {days: 8}
""")
    teams = {name: u["team_owner"] for name, u in out["users"].items()}
    assert teams == {"A": None, "B": None, "B1": "A", "B2": "A", "B3": "A", "B4": "B"}
    assert (out["users"]["B"]["level"], out["users"]["B"]["origin_boss"]) == ("boss", "A")
    # B: 100 direct on b1, b2, b3, then 300 on b4; A: 300 on b, 200 team on b1–b3, 20 peer on b4
    assert out["users"]["B"]["balance"]["available"] == "600.00"
    assert out["users"]["A"]["balance"]["available"] == "920.00"
    assert {"code": "headcount_promotion", "severity": "high"} in out["compliance"]


def test_a_plan_file_may_write_none_as_the_spec_does(tmp_path, capsys):
    out = run(tmp_path, capsys, "{profile: sales, team_depth_limit: none, payout_cap: none}", """
  - user: {id: B, referrer: A, level: agent, team_owner: A}
  - user: {id: C, referrer: B, level: agent, team_owner: A}
  - user: {id: D, referrer: C}
  - order: {id: o1, user: D, lines: [{product: GIFT, qty: 1}]}
  - advance: {days: 8}
""")
    # no cap: 60% + 40% of the 300.00 pool; no depth limit: A, three invite levels above D, earns
    assert (out["users"]["C"]["balance"]["available"], out["users"]["A"]["balance"]["available"]) == (
        "180.00", "120.00")
    assert [r["code"] for r in out["compliance"]] == [
        "headcount_promotion", "unbounded_depth", "entry_fee_package", "no_cap", "team_pay"]


@pytest.mark.parametrize(
    ("plan", "tail", "message"),
    [
        ("{profile: classic}", '  - product: {id: TEA, supplier: S9, merchant: M1, price: "100.00", cost: "40.00"}\n',
         "step 5: product: supplier 'S9' names no supplier"),
        ("{profile: classic}", '  - product: {id: TEA, supplier: S1, merchant: M9, price: "100.00", cost: "40.00"}\n',
         "step 5: product: merchant 'M9' names no merchant"),
        ("{profile: classic}", '  - withdraw: {user: NOBODY, amount: "10.00"}\n',
         "step 5: withdraw: user 'NOBODY' names no user"),
        ("{profile: classic, bogus: 1}", '  - advance: {days: 1}\n', "scenario: plan: unknown plan key(s): bogus"),
        ("{profile: classic}", "  - user: {id: B, name: Bee}\n", "step 5: user: unknown field(s): name"),
        ("{profile: classic}", "  - user: {id: B, team_owner: A}\n",
         "step 5: user: team_owner is only for level: agent (a member is in no team)"),
        ("{profile: classic}", "  - user: {id: B}\n  - user: {id: C, level: agent, team_owner: B}\n",
         "step 6: user: team_owner 'B' cannot be a boss by this step (every team owner is a boss)"),
    ],
)
def test_a_malformed_id_or_plan_exits_2_before_anything_runs(tmp_path, capsys, plan, tail, message):
    with pytest.raises(SystemExit) as exit_:
        call_command("scenario", "run", str(write(tmp_path, plan, tail)))
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == message
    assert captured.out == ""
