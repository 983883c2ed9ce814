"""The example scenarios under docs/scenarios/ run and end where their comments say."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "scenarios"

pytestmark = pytest.mark.django_db(transaction=True)


def run(name: str, capsys) -> dict:
    call_command("scenario", "run", str(EXAMPLES / name))
    return json.loads(capsys.readouterr().out)


def test_a_clawback_after_settlement_leaves_a_debt_that_blocks_withdrawals_until_paid_off(capsys):
    out = run("clawback-debt.yaml", capsys)

    assert out["users"]["A"]["balance"] == {"pending": "0.00", "available": "0.00", "withdrawn": "300.00"}
    assert [(r["step"], r["code"]) for r in out["rejected"]] == [(10, "insufficient_balance")]
    assert out["accounts"]["merchant:M1"]["available"] == "49.00"
    assert out["orders"]["o1"]["status"] == "refunded"
    assert out["ledger"]["balanced"] is True


def test_the_sales_profile_pays_on_what_is_kept_within_the_cap(capsys):
    out = run("sales-partial-refund.yaml", capsys)

    assert out["users"]["A"]["balance"]["available"] == "149.70"
    assert out["accounts"]["merchant:M1"]["available"] == "199.30"
    assert out["accounts"]["supplier:S1"]["available"] == "150.00"
    assert out["orders"]["o1"]["status"] == "partially_refunded"
    assert out["ledger"]["balanced"] is True


def test_coupons_and_points_are_priced_refused_and_booked_as_marketing_cost(capsys):
    out = run("coupons-and-points.yaml", capsys)

    assert out["orders"] == {
        "o1": {"status": "settled", "total": "174.00", "discount": "5.00", "points": "20.00"},
        "o2": {"status": "settled", "total": "464.00", "discount": "30.00", "points": "5.00"},
    }
    assert out["coupons"] == {"C5": {"claimed": 2, "used": 1}, "C10": {"claimed": 1, "used": 1}}
    assert [(r["step"], r["code"]) for r in out["rejected"]] == [
        (11, "coupon_limit_reached"), (13, "coupon_sold_out"), (19, "coupon_expired")]
    assert out["users"]["B"]["points"] == 2500
    assert out["marketing"] == {"merchant:M1": "60.00", "platform": "0.00"}
    assert out["ledger"]["balanced"] is True


def test_the_generated_example_runs_clean(capsys):
    out = run("generated-small.yaml", capsys)

    assert out["ledger"]["balanced"] is True
    assert (len(out["users"]), len(out["orders"])) == (30, 80)
    assert out["rejected"] == []


def test_a_flash_sale_and_a_group_buy_sell_within_their_stock_and_a_failed_group_is_refunded(capsys):
    out = run("flash-and-group.yaml", capsys)

    assert out["flash"] == {"F1": {"stock": 2, "sold": 2, "held": 0, "returned": 0}}
    assert out["groups"] == {"o11": {"status": "complete", "members": 3, "virtual": 0},
                             "o21": {"status": "failed", "members": 2, "virtual": 0}}
    assert {oid: (o["status"], o["total"]) for oid, o in out["orders"].items()} == {
        "f1": ("paid", "99.00"), "f3": ("paid", "99.00"),
        "o11": ("paid", "389.00"), "o12": ("paid", "399.00"), "o13": ("paid", "399.00"),
        "o21": ("refunded", "389.00"), "o22": ("refunded", "399.00")}
    assert [(r["step"], r["code"]) for r in out["rejected"]] == [
        (8, "flash_limit_reached"), (10, "flash_sold_out"), (18, "group_failed")]
    assert out["marketing"] == {"merchant:M1": "510.00", "platform": "0.00"}
    assert out["ledger"]["balanced"] is True
