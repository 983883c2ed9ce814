"""Scenario steps for activities (scenarios.md, campaigns.md §5): `flash` and `group`, and an `order`
of one (`flash:`, `group:`, `join:`); malformed ones exit 2 before anything runs, refused orders are
listed under `rejected` and change nothing."""

import json

import pytest
from django.core.management import call_command

from linkmall.scenarios.parse import ScenarioError, parse_scenario

HEAD = """
start: "2026-03-01T09:00:00+08:00"
plan: {profile: classic}
steps:
  - supplier: {id: S1}
  - merchant: {id: M1}
  - product: {id: GIFT, supplier: S1, merchant: M1, price: "499.00", cost: "150.00", pool: "300.00", qualifying: true}
  - product: {id: SHOE, supplier: S1, merchant: M1, price: "199.00", cost: "80.00", pool: "40.00", stock: 10}
  - user: {id: A, level: boss}
"""


def steps(*lines: str) -> str:
    return HEAD + "".join(f"  - {line}\n" for line in lines)


def run(tmp_path, capsys, *lines: str) -> dict:
    path = tmp_path / "s.yaml"
    path.write_text(steps(*lines), encoding="utf-8")
    call_command("scenario", "run", str(path), "--no-progress")
    return json.loads(capsys.readouterr().out)


def test_flash_and_group_steps_parse_into_the_services_units():
    scenario = parse_scenario(steps(
        'flash: {id: F1, product: SHOE, price: "99.00", stock: 2, per_user: 1, hours: 2}',
        'group: {id: G1, product: GIFT, price: "399.00", size: 3, hours: 24, leader_discount: "10.00", '
        'virtual_fill: 60}',
        "order: {id: o1, user: X, lines: [{product: SHOE}], flash: F1}",
        "order: {id: o2, user: Z, lines: [{product: GIFT}], group: G1}",
        "order: {id: o3, user: W, lines: [{product: GIFT}], group: G1, join: o2}",
    ))
    flash, group, o1, o2, o3 = (s.args for s in scenario.steps[5:])
    assert (flash["price_fen"], flash["stock"]) == (9900, 2)
    assert (group["price_fen"], group["size"], group["leader_discount_fen"], group["virtual_fill"]) == (39900, 3, 1000, 60)
    assert (o1["flash"], o2["group"], o3["join"]) == ("F1", "G1", "o2")


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ('flash: {id: F1, product: NOPE, price: "99.00", stock: 1}', "step 6: flash: product 'NOPE' names no product"),
        ('flash: {id: F1, product: SHOE, price: "0.00", stock: 1}', "step 6: price must be > 0"),
        ('flash: {id: F1, product: SHOE, price: "99.00", stock: 0}', "step 6: stock must be a whole number ≥ 1"),
        ('flash: {id: F1, product: SHOE, price: "99.00"}', "step 6: flash: missing field(s): stock"),
        ('flash: {id: F1, product: SHOE, price: "99.00", stock: 1, funder: guide}',
         "step 6: flash: funder must be one of merchant, platform"),
        ('group: {id: G1, product: SHOE, price: "99.00", size: 1}', "step 6: size must be a whole number ≥ 2"),
        ('group: {id: G1, product: SHOE, price: "99.00", size: 3, virtual_fill: 100}',
         "step 6: group: virtual_fill is a percent of the group, below 100"),
        ('group: {id: G1, product: SHOE, price: "99.00", size: 3, rewards: 1}',
         "step 6: group: rewards must be true or false"),
        ("order: {id: o1, user: X, lines: [{product: SHOE}], flash: F9}", "step 6: order: flash 'F9' names no flash"),
        ("order: {id: o1, user: X, lines: [{product: SHOE}], join: o0}",
         "step 6: order: join is only for an order of a group (give group: too)"),
    ],
)
def test_malformed_activity_steps_are_refused_naming_the_step(tail, message):
    with pytest.raises(ScenarioError) as error:
        parse_scenario(steps(tail))
    assert str(error.value).startswith(message)


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ("order: {id: o1, user: X, lines: [{product: GIFT}], flash: F1}",
         "step 7: order: an order of flash 'F1' has one line, of product 'SHOE'"),
        ("order: {id: o1, user: X, lines: [{product: SHOE}, {product: GIFT}], flash: F1}",
         "step 7: order: an order of flash 'F1' has one line, of product 'SHOE'"),
        ("order: {id: o1, user: X, lines: [{product: SHOE}], flash: F1, group: G1}",
         "step 7: order: an order is of one activity: flash or group, not both"),
        ("order: {id: o1, user: X, lines: [{product: SHOE}], group: F1}", "step 7: order: group 'F1' names no group"),
    ],
)
def test_an_order_of_an_activity_must_fit_it(tail, message):
    with pytest.raises(ScenarioError) as error:
        parse_scenario(steps('flash: {id: F1, product: SHOE, price: "99.00", stock: 1}', tail))
    assert str(error.value).startswith(message)


def test_join_must_name_an_order_of_the_same_group():
    group = 'group: {{id: {}, product: GIFT, price: "399.00", size: 3}}'
    with pytest.raises(ScenarioError, match=r"^step 10: order: join 'o1' is not an order of group 'G2'$"):
        parse_scenario(steps(group.format("G1"), group.format("G2"),
                             "order: {id: o1, user: X, lines: [{product: GIFT}], group: G1}",
                             "order: {id: o2, user: Y, lines: [{product: GIFT}], group: G2}",
                             "order: {id: o3, user: Z, lines: [{product: GIFT}], group: G2, join: o1}"))


# --- running ---------------------------------------------------------------------------------------

pytestmark_run = pytest.mark.django_db(transaction=True)


@pytestmark_run
def test_a_flash_sale_sells_its_stock_once_per_buyer_and_returns_the_rest_at_its_end(tmp_path, capsys):
    out = run(tmp_path, capsys,
              'flash: {id: F1, product: SHOE, price: "99.00", stock: 3, per_user: 1, hours: 2}',
              "order: {id: o1, user: X, lines: [{product: SHOE}], flash: F1}",
              "order: {id: o2, user: X, lines: [{product: SHOE}], flash: F1}",  # 8: the limit
              "order: {id: o3, user: Y, lines: [{product: SHOE}], flash: F1}",
              "advance: {hours: 3}",
              "order: {id: o4, user: Z, lines: [{product: SHOE}], flash: F1}",  # 11: over
              "order: {id: o5, user: Z, lines: [{product: SHOE}]}")  # the list price again
    assert [(r["step"], r["code"]) for r in out["rejected"]] == [(8, "flash_limit_reached"), (11, "flash_ended")]
    assert out["orders"] == {
        "o1": {"status": "paid", "total": "99.00", "discount": "0.00", "points": "0.00"},
        "o3": {"status": "paid", "total": "99.00", "discount": "0.00", "points": "0.00"},
        "o5": {"status": "paid", "total": "199.00", "discount": "0.00", "points": "0.00"},
    }
    assert out["flash"] == {"F1": {"stock": 3, "sold": 2, "held": 0, "returned": 1}}
    assert out["marketing"] == {"merchant:M1": "200.00", "platform": "0.00"}  # 2 × (199.00 − 99.00)
    assert out["ledger"]["balanced"] is True


@pytestmark_run
def test_a_flash_sale_beyond_the_supplier_stock_or_below_cost_is_refused(tmp_path, capsys):
    out = run(tmp_path, capsys,
              'flash: {id: F1, product: SHOE, price: "99.00", stock: 11}',  # 6: the supplier has 10
              'flash: {id: F2, product: SHOE, price: "79.00", stock: 1}',  # 7: below the cost of 80.00
              'flash: {id: F3, product: SHOE, price: "79.00", stock: 1, accept_loss: true}',
              "order: {id: o1, user: X, lines: [{product: SHOE}], flash: F1}")  # 9: F1 was refused
    assert [(r["step"], r["code"]) for r in out["rejected"]] == [
        (6, "out_of_stock"), (7, "campaign_below_cost"), (9, "flash_not_created")]
    assert out["flash"] == {"F3": {"stock": 1, "sold": 0, "held": 0, "returned": 0}}


@pytestmark_run
def test_a_full_group_completes_a_late_one_fails_and_its_members_are_refunded(tmp_path, capsys):
    out = run(tmp_path, capsys,
              'group: {id: G1, product: GIFT, price: "399.00", size: 3, hours: 24}',
              "order: {id: o11, user: Z, lines: [{product: GIFT}], group: G1}",
              "order: {id: o12, user: W, lines: [{product: GIFT}], group: G1, join: o11}",
              "order: {id: o13, user: V, lines: [{product: GIFT}], group: G1, join: o11}",
              "order: {id: o14, user: U, lines: [{product: GIFT}], group: G1, join: o11}",  # 10: complete
              "order: {id: o21, user: Z, lines: [{product: GIFT}], group: G1}",  # 11: Z's one group
              "order: {id: o22, user: Q, lines: [{product: GIFT}], group: G1}",
              "order: {id: o23, user: R, lines: [{product: GIFT}], group: G1, join: o22}",
              "advance: {hours: 25}",
              "order: {id: o24, user: S, lines: [{product: GIFT}], group: G1, join: o22}",  # 15: failed
              "order: {id: o25, user: S, lines: [{product: GIFT}], group: G1, join: o21}")  # 16: o21 was refused
    assert [(r["step"], r["code"]) for r in out["rejected"]] == [
        (10, "group_closed"), (11, "group_limit_reached"), (15, "group_failed"), (16, "group_not_opened")]
    assert out["groups"] == {"o11": {"status": "complete", "members": 3, "virtual": 0},
                             "o22": {"status": "failed", "members": 2, "virtual": 0}}
    paid = {"status": "paid", "total": "399.00", "discount": "0.00", "points": "0.00"}
    refunded = {**paid, "status": "refunded"}
    assert out["orders"] == {"o11": paid, "o12": paid, "o13": paid, "o22": refunded, "o23": refunded}
    # the complete group's three units at 100.00 off each; the failed group's came back with its refunds
    assert out["marketing"] == {"merchant:M1": "300.00", "platform": "0.00"}
    assert out["accounts"]["supplier:S1"]["pending"] == "450.00"  # 3 × cost 150.00
    assert out["ledger"]["balanced"] is True


@pytestmark_run
def test_a_group_at_its_virtual_fill_share_completes_with_virtual_members(tmp_path, capsys):
    out = run(tmp_path, capsys,
              'group: {id: G1, product: GIFT, price: "399.00", size: 3, hours: 2, virtual_fill: 60, '
              'leader_discount: "20.00"}',
              "order: {id: o1, user: Z, lines: [{product: GIFT}], group: G1}",
              "order: {id: o2, user: W, lines: [{product: GIFT}], group: G1, join: o1}",
              "order: {id: o3, user: Y, lines: [{product: GIFT}], group: G1}",
              "advance: {hours: 3}")
    assert out["rejected"] == []
    assert out["groups"] == {"o1": {"status": "complete", "members": 2, "virtual": 1},
                             "o3": {"status": "failed", "members": 1, "virtual": 0}}  # 1 of 3 is below 60 %
    assert [out["orders"][o]["status"] for o in ("o1", "o2", "o3")] == ["paid", "paid", "refunded"]
    assert [out["orders"][o]["total"] for o in ("o1", "o2", "o3")] == ["379.00", "399.00", "379.00"]  # leaders
    assert out["ledger"]["balanced"] is True
