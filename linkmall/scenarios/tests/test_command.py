"""`linkmall scenario run FILE` end to end: the spec's worked example, refusals, malformed files."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.django_db(transaction=True)


def run(tmp_path, capsys, text: str | None = None, path: Path | None = None):
    if path is None:
        assert text is not None, "give the scenario's text or its path"
        path = tmp_path / "s.yaml"
        path.write_text(text, encoding="utf-8")
    call_command("scenario", "run", str(path))
    return json.loads(capsys.readouterr().out)


def test_the_worked_example_prints_a_1040_b_700_b3_100_available(tmp_path, capsys):
    out = run(tmp_path, capsys, path=ROOT / "docs" / "scenarios" / "worked-example.yaml")
    available = {name: u["balance"]["available"] for name, u in out["users"].items()}
    assert (available["A"], available["B"], available["B3"]) == ("1040.00", "700.00", "100.00")
    assert {u["balance"]["pending"] for u in out["users"].values()} == {"0.00"}
    teams = {name: u["team_owner"] for name, u in out["users"].items()}
    assert teams == {"A": None, "B": None, "C": "A", "B1": "A", "B2": "A", "B3": "B", "B3a": "B"}
    assert out["users"]["B"]["origin_boss"] == "A"
    # the merchant keeps 499 − 150 − the rewards of each order: 6 × 349 − 1840
    assert out["accounts"]["merchant:M1"]["available"] == "254.00"
    assert out["accounts"]["supplier:S1"]["available"] == "900.00"
    assert out["ledger"]["balanced"] is True
    assert out["rejected"] == []
    assert {o["status"] for o in out["orders"].values()} == {"settled"}
    assert {"code": "peer_after_breakaway", "severity": "high"} in out["compliance"]
    assert out["clock"] == "2026-01-09T10:00:00+08:00"


HEAD = """
start: "2026-03-01T09:00:00+08:00"
plan: {profile: classic}
steps:
  - supplier: {id: S1}
  - merchant: {id: M1}
  - product: {id: GIFT, supplier: S1, merchant: M1, price: "499.00", cost: "150.00", pool: "300.00", qualifying: true}
  - user: {id: A, level: boss}
"""


def test_refused_steps_are_listed_and_change_nothing(tmp_path, capsys):
    out = run(tmp_path, capsys, HEAD + """
  - order: {id: o1, user: B, via: A, lines: [{product: GIFT, qty: 1}]}
  - withdraw: {user: A, amount: "100.00"}
  - refund: {order: o1, lines: [{product: GIFT, qty: 2}]}
  - advance: {days: 8}
  - withdraw: {user: A, amount: "100.00"}
  - withdraw: {user: A, amount: "500.00"}
""")
    assert [(r["step"], r["code"]) for r in out["rejected"]] == [
        (6, "insufficient_balance"), (7, "refund_exceeds"), (10, "insufficient_balance")]
    assert out["users"]["A"]["balance"] == {"pending": "0.00", "available": "200.00", "withdrawn": "100.00"}
    assert out["orders"]["o1"] == {"status": "settled", "total": "499.00", "discount": "0.00", "points": "0.00"}
    assert out["ledger"]["balanced"] is True


def test_a_refund_after_settlement_claws_back_into_a_debt(tmp_path, capsys):
    out = run(tmp_path, capsys, HEAD + """
  - order: {id: o1, user: B, via: A, lines: [{product: GIFT, qty: 2}]}
  - advance: {days: 8}
  - withdraw: {user: A, amount: "600.00"}
  - refund: {order: o1, lines: [{product: GIFT, qty: 1}]}
""")
    assert out["users"]["A"]["balance"] == {"pending": "0.00", "available": "-300.00", "withdrawn": "600.00"}
    assert out["orders"]["o1"]["status"] == "partially_refunded"
    assert out["accounts"]["supplier:S1"]["available"] == "150.00"
    assert out["ledger"]["balanced"] is True


def test_under_the_sales_profile_a_refund_before_settlement_leaves_no_reward(tmp_path, capsys):
    out = run(tmp_path, capsys, HEAD.replace("{profile: classic}", "{profile: sales}") + """
  - order: {id: o1, user: B, via: A, lines: [{product: GIFT, qty: 1}]}
  - refund: {order: o1}
  - advance: {days: 8}
""")
    assert out["users"]["B"]["level"] == "member"  # no entry: the order was refunded before it settled
    assert out["users"]["A"]["balance"]["available"] == "0.00"
    assert out["orders"]["o1"]["status"] == "refunded"
    assert {a["available"] for a in out["accounts"].values()} == {"0.00"}


def test_a_malformed_file_exits_2_naming_the_step(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(HEAD + "  - order: {id: o1, user: B, lines: [{product: NOPE, qty: 1}]}\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        call_command("scenario", "run", str(path))
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == "step 5: order: product 'NOPE' names no product"


def test_a_run_shows_its_progress_on_standard_error_and_keeps_the_json_clean(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + "  - advance: {days: 1}\n", encoding="utf-8")
    call_command("scenario", "run", str(path))
    captured = capsys.readouterr()
    assert json.loads(captured.out)["clock"] == "2026-03-02T09:00:00+08:00"
    assert "scenario" in captured.err and "5/5" in captured.err  # supplier, merchant, product, user, advance

    call_command("scenario", "run", str(path), "--no-progress")
    captured = capsys.readouterr()
    assert json.loads(captured.out)["rejected"] == []
    assert captured.err == ""
