"""`linkmall scenario run`: a refused step changes nothing (scenarios.md, "Refused steps") — the
user it would have created does not exist afterwards, so a later step naming that user is refused
too (`user_not_created`) and the run goes on; and a seeded agent's team owner must be a boss."""

import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)

HEAD = """
start: "2026-03-01T09:00:00+08:00"
plan: {profile: classic}
steps:
  - supplier: {id: S1}
  - merchant: {id: M1}
  - product: {id: GIFT, supplier: S1, merchant: M1, price: "499.00", cost: "150.00", pool: "300.00", qualifying: true}
  - user: {id: A, level: boss}
"""


def run(tmp_path, capsys, steps: list[str]) -> dict:
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + "".join(f"  - {step}\n" for step in steps), encoding="utf-8")
    call_command("scenario", "run", str(path), "--no-progress")
    return json.loads(capsys.readouterr().out)


def without(out: dict, key: str = "rejected") -> dict:
    return {k: v for k, v in out.items() if k != key}


def test_a_step_naming_a_buyer_whose_order_was_refused_is_refused_too_and_a_later_order_may_create_it(
        tmp_path, capsys):
    steps = [
        'product: {id: RARE, supplier: S1, merchant: M1, price: "99.00", cost: "10.00", stock: 0}',
        "order: {id: o1, user: B, via: A, lines: [{product: RARE}]}",  # out of stock: B is not created
        'withdraw: {user: B, amount: "10.00"}',
        "user: {id: C, referrer: B}",
        "order: {id: o2, user: D, via: B, lines: [{product: GIFT}]}",
        "order: {id: o3, user: B, via: A, lines: [{product: GIFT}]}",  # B's first order that goes through
        "advance: {days: 8}",
    ]
    out = run(tmp_path, capsys, steps)
    gone = "does not exist: the step that would have created it was refused"
    assert out["rejected"] == [
        {"step": 6, "code": "out_of_stock", "message": "Not enough stock."},
        {"step": 7, "code": "user_not_created", "message": f"user B {gone}"},
        {"step": 8, "code": "user_not_created", "message": f"user B {gone}"},
        {"step": 9, "code": "user_not_created", "message": f"user B {gone}"},
    ]
    assert sorted(out["users"]) == ["A", "B"]  # neither C nor D was created
    assert (out["users"]["B"]["referrer"], out["users"]["B"]["level"], out["users"]["B"]["team_owner"]) == (
        "A", "agent", "A")
    assert out["users"]["A"]["balance"] == {"pending": "0.00", "available": "300.00", "withdrawn": "0.00"}
    assert out["orders"] == {"o3": {"status": "settled", "total": "499.00", "discount": "0.00", "points": "0.00"}}
    assert out["ledger"]["balanced"] is True

    # the refused steps changed nothing: the same story without them gives the same document
    kept = [step for number, step in enumerate(steps, start=5) if number not in (6, 7, 8, 9)]
    assert without(out) == without(run(tmp_path, capsys, kept))


def test_an_agent_seeded_into_the_team_of_a_user_who_turned_out_no_boss_is_refused(tmp_path, capsys):
    """The file lets R be promoted by its two agent referrals, so only the run can tell that R, a
    member, got no slots (chain21.md §2 rule 3) and is no boss."""
    steps = [
        "user: {id: R}",
        "user: {id: R1, referrer: R, level: agent}",
        "user: {id: R2, referrer: R, level: agent}",
        "user: {id: X, level: agent, team_owner: R}",
        "order: {id: o1, user: Y, via: X, lines: [{product: GIFT}]}",
        "user: {id: Z, level: agent, team_owner: A}",
    ]
    out = run(tmp_path, capsys, steps)
    assert out["rejected"] == [
        {"step": 8, "code": "team_owner_not_boss", "message": "A team owner must be a boss."},
        {"step": 9, "code": "user_not_created",
         "message": "user X does not exist: the step that would have created it was refused"},
    ]
    assert sorted(out["users"]) == ["A", "R", "R1", "R2", "Z"]
    assert {name: (u["level"], u["team_owner"]) for name, u in out["users"].items()} == {
        "A": ("boss", None), "R": ("member", None), "R1": ("agent", None), "R2": ("agent", None),
        "Z": ("agent", "A")}
    assert {u["balance"]["pending"] for u in out["users"].values()} == {"0.00"}
    assert out["orders"] == {}

    kept = [step for number, step in enumerate(steps, start=5) if number not in (8, 9)]
    assert without(out) == without(run(tmp_path, capsys, kept))


def test_an_agent_may_be_seeded_into_the_team_of_a_user_the_story_made_a_boss(tmp_path, capsys):
    out = run(tmp_path, capsys, [
        "order: {id: o1, user: B, via: A, lines: [{product: GIFT}]}",
        "order: {id: o2, user: B1, via: B, lines: [{product: GIFT}]}",
        "order: {id: o3, user: B2, via: B, lines: [{product: GIFT}]}",  # B's second slot: B is a boss
        "user: {id: C, level: agent, team_owner: B}",
    ])
    assert out["rejected"] == []
    assert {name: (u["level"], u["team_owner"]) for name, u in out["users"].items()} == {
        "A": ("boss", None), "B": ("boss", None), "B1": ("agent", "A"), "B2": ("agent", "A"), "C": ("agent", "B")}
