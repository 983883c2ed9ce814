"""Scenario steps for coupons and points (scenarios.md, campaigns.md §1, §5): `coupon`, `claim`,
`points`, and an `order` with a coupon and points; malformed ones exit 2 before anything runs, refused
ones are listed under `rejected` and change nothing. Flash sales and group buys: test_activity_steps.py."""

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
  - product: {id: SHOE, supplier: S1, merchant: M1, price: "199.00", cost: "80.00", pool: "40.00"}
  - user: {id: A, level: boss}
"""


def steps(*lines: str) -> str:
    return HEAD + "".join(f"  - {line}\n" for line in lines)


def run(tmp_path, capsys, *lines: str) -> dict:
    path = tmp_path / "s.yaml"
    path.write_text(steps(*lines), encoding="utf-8")
    call_command("scenario", "run", str(path), "--no-progress")
    return json.loads(capsys.readouterr().out)


# --- parsing ---------------------------------------------------------------------------------------


def test_coupon_claim_points_and_an_order_with_both_parse_into_the_services_units():
    scenario = parse_scenario(steps(
        'coupon: {id: C5, merchant: M1, kind: amount, value: "5.00", threshold: "0.00", funder: merchant, '
        'total: 100, per_user: 1, valid_days: 7}',
        'coupon: {id: P10, merchant: M1, kind: percent, value: "12.5%", max_discount: "30.00", products: [GIFT, SHOE], '
        'total: 5}',
        "claim: {user: A, coupon: C5}",
        "points: {user: A, add: 500}",
        "order: {id: o1, user: A, lines: [{product: SHOE}], coupon: C5, points: 200}",
    ))
    c5, p10, claim, points, order = (s.args for s in scenario.steps[5:])
    assert (c5["value_off"], c5["threshold_fen"], c5["max_discount_fen"], c5["total"]) == (500, 0, None, 100)
    assert (str(p10["value_off"]), p10["max_discount_fen"], p10["products"]) == ("12.5", 3000, ["GIFT", "SHOE"])
    assert claim == {"user": "A", "coupon": "C5"}
    assert points == {"user": "A", "add": 500, "merchant": "M1"}  # the only merchant
    assert (order["coupon"], order["points"]) == ("C5", 200)


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ('coupon: {id: C, merchant: M1, kind: gift, value: "5.00", total: 1}',
         "step 6: coupon: kind must be one of amount, percent"),
        ('coupon: {id: C, merchant: M1, kind: percent, value: "10", total: 1}',
         'step 6: coupon: a percent value is written like "10%" (percent off), not \'10\''),
        ('coupon: {id: C, merchant: M1, kind: percent, value: "100%", total: 1}',
         "step 6: coupon: a percent off is above 0%, below 100%, with at most two decimals"),
        ('coupon: {id: C, merchant: M1, kind: amount, value: "5.00", max_discount: "3.00", total: 1}',
         "step 6: coupon: max_discount is only for kind: percent"),
        ('coupon: {id: C, merchant: M1, kind: amount, value: "0.00", total: 1}', "step 6: value must be > 0"),
        ('coupon: {id: C, merchant: M1, kind: amount, value: "5.00", total: 0}', "step 6: total must be a whole number ≥ 1"),
        ('coupon: {id: C, merchant: M1, kind: amount, value: "5.00", total: 1, funder: guide}',
         "step 6: coupon: funder must be one of merchant, platform"),
        ('coupon: {id: C, merchant: M9, kind: amount, value: "5.00", total: 1}', "step 6: coupon: merchant 'M9' names no merchant"),
        ('coupon: {id: C, merchant: M1, kind: amount, value: "5.00", total: 1, products: [NOPE]}',
         "step 6: coupon: product 'NOPE' names no product"),
        ('coupon: {id: C, merchant: M1, kind: amount, value: "5.00", total: 1, stacks: true}',
         "step 6: coupon: unknown field(s): stacks"),
        ("claim: {user: A, coupon: C9}", "step 6: claim: coupon 'C9' names no coupon"),
        ("claim: {user: Z, coupon: C9}", "step 6: claim: user 'Z' names no user"),
        ("points: {user: A, add: 0}", "step 6: add must be a whole number ≥ 1"),
        ("points: {user: A, add: 10, merchant: M2}", "step 6: points: merchant 'M2' names no merchant"),
        ("order: {id: o1, user: A, lines: [{product: SHOE}], coupon: C9}", "step 6: order: coupon 'C9' names no coupon"),
        ("order: {id: o1, user: A, lines: [{product: SHOE}], points: -1}", "step 6: points must be a whole number ≥ 0"),
    ],
)
def test_malformed_campaign_steps_are_refused_naming_the_step(tail, message):
    with pytest.raises(ScenarioError) as error:
        parse_scenario(steps(tail))
    assert str(error.value).startswith(message)


def test_a_coupon_scoped_to_another_merchants_product_is_malformed():
    with pytest.raises(ScenarioError, match=r"^step 8: coupon: product 'TEA' is not sold by merchant 'M1'$"):
        parse_scenario(steps("merchant: {id: M2}",
                             'product: {id: TEA, supplier: S1, merchant: M2, price: "20.00", cost: "5.00"}',
                             'coupon: {id: C, merchant: M1, kind: amount, value: "1.00", total: 1, products: [TEA]}'))


def test_points_without_a_merchant_are_malformed_when_the_file_has_two():
    with pytest.raises(ScenarioError) as error:
        parse_scenario(steps("merchant: {id: M2}", "points: {user: A, add: 10}"))
    assert str(error.value) == "step 7: points: name the merchant the points are at (merchants: M1, M2)"
    parse_scenario(steps("merchant: {id: M2}", "points: {user: A, add: 10, merchant: M2}"))  # naming it is enough


def test_points_before_any_merchant_are_malformed():
    text = 'start: "2026-03-01T09:00:00+08:00"\nsteps:\n  - user: {id: A}\n  - points: {user: A, add: 10}\n'
    with pytest.raises(ScenarioError, match=r"^step 2: points: name the merchant the points are at \(merchants: none yet\)$"):
        parse_scenario(text)


# --- running ---------------------------------------------------------------------------------------

pytestmark_run = pytest.mark.django_db(transaction=True)


@pytestmark_run
def test_a_coupon_and_points_are_priced_booked_and_reported(tmp_path, capsys):
    out = run(tmp_path, capsys,
              'coupon: {id: C5, merchant: M1, kind: amount, value: "5.00", total: 10, valid_days: 7}',
              "user: {id: B, referrer: A}",
              "claim: {user: B, coupon: C5}",
              "points: {user: B, add: 1000}",
              "order: {id: o1, user: B, lines: [{product: SHOE, qty: 2}], coupon: C5, points: 1000}",
              "advance: {days: 8}")
    assert out["rejected"] == []
    # 398.00 − 5.00 − 1,000 points (10.00)
    assert out["orders"] == {"o1": {"status": "settled", "total": "383.00", "discount": "5.00", "points": "10.00"}}
    assert out["coupons"] == {"C5": {"claimed": 1, "used": 1}}
    assert (out["users"]["B"]["points"], out["users"]["A"]["points"]) == (0, 0)  # nothing is earned by itself
    assert out["marketing"] == {"merchant:M1": "15.00", "platform": "0.00"}
    # the supplier is owed its cost in full; the merchant keeps P − C − W (classic: no fee)
    assert out["accounts"]["supplier:S1"]["available"] == "160.00"
    assert out["ledger"]["balanced"] is True


@pytestmark_run
def test_a_platform_funded_percent_coupon_is_capped_and_booked_as_the_platforms_cost(tmp_path, capsys):
    out = run(tmp_path, capsys,
              'coupon: {id: P, merchant: M1, kind: percent, value: "10%", max_discount: "30.00", funder: platform, '
              'products: [GIFT], total: 5}',
              "claim: {user: A, coupon: P}",
              "order: {id: o1, user: A, lines: [{product: GIFT}, {product: SHOE}], coupon: P}")
    assert out["rejected"] == []
    # 10 % of the GIFT line only (49.90), cut to 30.00; SHOE is out of scope
    assert out["orders"]["o1"] == {"status": "paid", "total": "668.00", "discount": "30.00", "points": "0.00"}
    assert out["marketing"] == {"merchant:M1": "0.00", "platform": "30.00"}
    assert out["ledger"]["balanced"] is True


@pytestmark_run
def test_refused_coupon_and_points_steps_are_listed_and_change_nothing(tmp_path, capsys):
    story = [
        'coupon: {id: C5, merchant: M1, kind: amount, value: "5.00", total: 1, valid_days: 7}',
        "user: {id: B}",
        "claim: {user: A, coupon: C5}",
        "claim: {user: A, coupon: C5}",  # 9: coupon_limit_reached
        "claim: {user: B, coupon: C5}",  # 10: coupon_sold_out
        "order: {id: o1, user: B, lines: [{product: SHOE}], coupon: C5}",  # 11: coupon_not_claimed
        "order: {id: o2, user: A, lines: [{product: SHOE}], points: 100}",  # 12: points_insufficient
        'coupon: {id: BIG, merchant: M1, kind: amount, value: "150.00", total: 1}',  # 13: campaign_below_cost
        "claim: {user: A, coupon: BIG}",  # 14: coupon_not_created
        "points: {user: A, add: 300}",
        "order: {id: o3, user: A, lines: [{product: SHOE}], coupon: C5, points: 300}",
        "order: {id: o4, user: A, lines: [{product: SHOE}], coupon: C5}",  # 17: coupon_used
    ]
    out = run(tmp_path, capsys, *story)
    assert [(r["step"], r["code"]) for r in out["rejected"]] == [
        (9, "coupon_limit_reached"), (10, "coupon_sold_out"), (11, "coupon_not_claimed"),
        (12, "points_insufficient"), (13, "campaign_below_cost"), (14, "coupon_not_created"), (17, "coupon_used"),
    ]
    assert out["orders"] == {"o3": {"status": "paid", "total": "191.00", "discount": "5.00", "points": "3.00"}}
    assert out["coupons"] == {"C5": {"claimed": 1, "used": 1}}
    assert out["users"]["A"]["points"] == 0
    assert "B" in out["users"]  # o1 was refused, but B existed already

    # the same story without the refused steps ends the same
    kept = [s for n, s in enumerate(story, start=6) if n not in {9, 10, 11, 12, 13, 14, 17}]
    again = run(tmp_path, capsys, *kept)
    assert again["rejected"] == []
    assert {k: v for k, v in again.items() if k not in ("rejected", "ledger")} == {
        k: v for k, v in out.items() if k not in ("rejected", "ledger")}


@pytestmark_run
def test_points_at_a_named_merchant_of_two(tmp_path, capsys):
    out = run(tmp_path, capsys, "merchant: {id: M2}", "points: {user: A, add: 700, merchant: M2}",
              "points: {user: A, add: 50, merchant: M1}")
    assert out["users"]["A"]["points"] == 750
    assert out["marketing"] == {"merchant:M1": "0.00", "merchant:M2": "0.00", "platform": "0.00"}
