"""`linkmall scenario generate`: valid files of any size, the same for the same seed, and runnable."""

import re

import pytest
from django.core.management import call_command

from linkmall.core import clock
from linkmall.customers.models import Address
from linkmall.customers.services import MAX_ADDRESSES_PER_USER
from linkmall.scenarios.generate import scenario_text
from linkmall.scenarios.parse import parse_scenario
from linkmall.scenarios.run import ScenarioRun


def actions(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for step in parse_scenario(text).steps:
        counts[step.action] = counts.get(step.action, 0) + 1
    return counts


def test_a_generated_file_is_a_valid_scenario_with_the_users_and_orders_asked_for():
    counts = actions(scenario_text(users=300, orders=900, seed=7))

    assert counts["user"] == 300
    assert counts["order"] == 900
    assert (counts["supplier"], counts["merchant"], counts["product"]) == (2, 1, 3)
    assert counts["refund"] > 0 and counts["withdraw"] > 0 and counts["advance"] > 1


def test_the_same_seed_gives_the_same_file_and_another_seed_another():
    assert scenario_text(users=50, orders=100, seed=1) == scenario_text(users=50, orders=100, seed=1)
    assert scenario_text(users=50, orders=100, seed=1) != scenario_text(users=50, orders=100, seed=2)


def test_every_order_is_by_a_known_user_and_every_refund_stays_within_what_was_bought() -> None:
    text = scenario_text(users=200, orders=2000, seed=3)
    left: dict[str, dict[str, int]] = {}
    known: set[str] = set()
    for step in parse_scenario(text).steps:  # parse refuses unknown ids already; quantities are ours
        a = step.args
        if step.action == "user":
            known.add(a["id"])
        elif step.action == "order":
            assert a["user"] in known
            left[a["id"]] = {}
            for line in a["lines"]:
                left[a["id"]][line["product"]] = left[a["id"]].get(line["product"], 0) + line["qty"]
        elif step.action == "refund":
            remaining = left[a["order"]]
            assert any(remaining.values())
            for line in a.get("lines") or [{"product": p, "qty": q} for p, q in remaining.items()]:
                assert 1 <= line["qty"] <= remaining[line["product"]]
                remaining[line["product"]] -= line["qty"]


def test_invite_chains_grow_deep_as_well_as_wide():
    referrer = {}
    for step in parse_scenario(scenario_text(users=2000, orders=10, seed=5)).steps:
        if step.action == "user" and step.args.get("referrer"):
            referrer[step.args["id"]] = step.args["referrer"]

    def depth(user):
        n = 0
        while user in referrer:
            user, n = referrer[user], n + 1
        return n

    assert max(depth(u) for u in referrer) >= 20
    assert len(set(referrer.values())) >= 200


@pytest.mark.django_db(transaction=True)
def test_a_generated_story_runs_through_the_real_services_and_the_ledger_balances():
    scenario = parse_scenario(scenario_text(users=15, orders=40, seed=11))
    try:
        out = ScenarioRun(scenario).run()
    finally:
        clock.reset()

    assert out["ledger"]["balanced"] is True
    assert len(out["users"]) == 15 and len(out["orders"]) == 40
    assert {r["code"] for r in out["rejected"]} <= {"insufficient_balance"}
    assert {o["status"] for o in out["orders"].values()} <= {"settled", "refunded", "partially_refunded"}
    assert {u["balance"]["pending"] for u in out["users"].values()} == {"0.00"}  # eight days after the end


def test_the_command_prints_the_file(capsys):
    call_command("scenario", "generate", "--users", "4", "--orders", "3", "--seed", "9")
    out = capsys.readouterr().out

    assert out == scenario_text(users=4, orders=3, seed=9)
    assert len(re.findall(r"^  - order: ", out, flags=re.M)) == 3


@pytest.mark.parametrize("args", [["--users", "0", "--orders", "3"], ["--users", "3", "--orders", "-1"],
                                  ["--users", "3", "--orders", "3", "--profile", "pyramid"]])
def test_the_command_refuses_nonsense_with_status_2(args, capsys):
    with pytest.raises(SystemExit) as exited:
        call_command("scenario", "generate", *args)

    assert exited.value.code == 2
    assert capsys.readouterr().out == ""


HEAD = """
start: "2026-01-01T10:00:00+08:00"
plan: {profile: classic}
steps:
  - supplier: {id: S1}
  - merchant: {id: M1}
  - merchant: {id: M2}
  - product: {id: TEA, supplier: S1, merchant: M1, price: "99.00", cost: "50.00", pool: "20.00"}
  - product: {id: CUP, supplier: S1, merchant: M2, price: "19.00", cost: "5.00"}
"""


def run_text(text: str) -> dict:
    try:
        return ScenarioRun(parse_scenario(text)).run()
    finally:
        clock.reset()


@pytest.mark.django_db(transaction=True)
def test_a_buyer_who_orders_more_often_than_the_address_book_holds_is_not_refused():
    orders = MAX_ADDRESSES_PER_USER + 3
    text = HEAD + "".join(f"  - order: {{id: o{i}, user: A, lines: [{{product: TEA, qty: 1}}]}}\n"
                          for i in range(orders))

    out = run_text(text)

    assert out["rejected"] == []
    assert len(out["orders"]) == orders
    assert Address.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_refund_of_a_refused_order_is_refused_too_and_the_run_goes_on():
    text = HEAD + """  - order: {id: o1, user: A, lines: [{product: TEA, qty: 1}, {product: CUP, qty: 1}]}
  - refund: {order: o1}
  - order: {id: o2, user: A, lines: [{product: TEA, qty: 1}]}
"""
    out = run_text(text)

    assert [(r["step"], r["code"]) for r in out["rejected"]] == [(6, "multiple_merchants"), (7, "order_not_placed")]
    assert list(out["orders"]) == ["o2"]
    assert out["ledger"]["balanced"] is True
