"""The compliance check of overridden plans (spec §7; issue 3 §3.1).

The spec lists seven risks under 禁止传销条例 Art. 7: entry fee through a package, headcount-based
promotion, team pay, unbounded depth, peer pay after breakaway, no cap, promotion on unsettled
orders. Each override of a profile must raise or drop exactly the matching risk. One code goes
beyond the spec's list: `high_cap`, for a cap above 30 % of the price (the `sales` profile's cap).
Risks come sorted by severity (high first), then by code.
"""

import pytest

from linkmall import testing as t
from linkmall.core.errors import InvalidInput
from linkmall.referral.engine import AGENT, BOSS, line_recipients, line_reward_amounts
from linkmall.referral.plans import Plan, compliance_check
from linkmall.referral.services import plan_acknowledge, plan_draft

SALES = [("headcount_promotion", "high"), ("entry_fee_package", "medium"), ("team_pay", "medium")]
CLASSIC = [("entry_fee_package", "high"), ("headcount_promotion", "high"), ("peer_after_breakaway", "high"),
           ("team_pay", "high"), ("unbounded_depth", "high"), ("no_cap", "medium"),
           ("promotion_on_unsettled_orders", "medium")]


def risks(config: dict) -> list[tuple[str, str]]:
    return [(r.code, r.severity) for r in compliance_check(Plan.parse(config))]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, SALES),
        ({"profile": "sales", "peer": "10%"},
         [("headcount_promotion", "high"), ("peer_after_breakaway", "high"), ("entry_fee_package", "medium"),
          ("team_pay", "medium")]),
        ({"profile": "sales", "team_depth_limit": None},
         [("headcount_promotion", "high"), ("unbounded_depth", "high"), ("entry_fee_package", "medium"),
          ("team_pay", "medium")]),
        # a deeper limit is still a limit: no unbounded_depth
        ({"profile": "sales", "team_depth_limit": 9}, SALES),
        ({"profile": "sales", "payout_cap": "40%"},
         [("headcount_promotion", "high"), ("entry_fee_package", "medium"), ("high_cap", "medium"),
          ("team_pay", "medium")]),
        ({"profile": "sales", "payout_cap": "30%"}, SALES),
        ({"profile": "sales", "payout_cap": "30.01%"},
         [("headcount_promotion", "high"), ("entry_fee_package", "medium"), ("high_cap", "medium"),
          ("team_pay", "medium")]),
        ({"profile": "sales", "payout_cap": "10%"}, SALES),
        ({"profile": "sales", "payout_cap": None},
         [("headcount_promotion", "high"), ("entry_fee_package", "medium"), ("no_cap", "medium"),
          ("team_pay", "medium")]),
        ({"profile": "sales", "basis": "paid"},
         [("headcount_promotion", "high"), ("entry_fee_package", "medium"), ("promotion_on_unsettled_orders", "medium"),
          ("team_pay", "medium")]),
        # a fixed team reward is pay per team order, not a share of the pool: high
        ({"profile": "sales", "team": "200.00"},
         [("headcount_promotion", "high"), ("team_pay", "high"), ("entry_fee_package", "medium")]),
        # rewards only on the package make the package an entry fee: high
        ({"profile": "sales", "rewards_on": "qualifying"},
         [("entry_fee_package", "high"), ("headcount_promotion", "high"), ("team_pay", "medium")]),
        ({"profile": "sales", "entry": {"spend": "500.00"}},
         [("headcount_promotion", "high"), ("team_pay", "medium")]),
        ({"profile": "sales", "team": "off"},
         [("headcount_promotion", "high"), ("entry_fee_package", "medium")]),
        # without team pay there is no peer pay to report, nor a depth for it
        ({"profile": "sales", "team": "off", "peer": "10%", "team_depth_limit": None},
         [("headcount_promotion", "high"), ("entry_fee_package", "medium")]),
        ({"profile": "classic"}, CLASSIC),
        ({"profile": "classic", "peer": "off", "team_depth_limit": 3, "payout_cap": "30%", "basis": "settled"},
         [("entry_fee_package", "high"), ("headcount_promotion", "high"), ("team_pay", "high")]),
        ({"profile": "classic", "team": "off"},
         [("entry_fee_package", "high"), ("headcount_promotion", "high"), ("no_cap", "medium"),
          ("promotion_on_unsettled_orders", "medium")]),
        # everything a sales plan can be pushed to at once
        ({"profile": "sales", "peer": "10%", "team_depth_limit": None, "payout_cap": "50%", "basis": "paid"},
         [("headcount_promotion", "high"), ("peer_after_breakaway", "high"), ("unbounded_depth", "high"),
          ("entry_fee_package", "medium"), ("high_cap", "medium"), ("promotion_on_unsettled_orders", "medium"),
          ("team_pay", "medium")]),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_override_raises_or_drops_exactly_its_risk(config, expected):
    assert risks(config) == expected


def test_every_risk_names_its_article_and_the_headcount_risk_names_the_slide_count():
    plan = Plan.parse({"profile": "sales", "slide_count": 3, "peer": "10%", "team_depth_limit": None,
                       "payout_cap": "50%", "basis": "paid"})
    articles = {r.code: r.article for r in compliance_check(plan)}
    assert articles == {
        "entry_fee_package": "Art. 7(2)", "headcount_promotion": "Art. 7(1)", "team_pay": "Art. 7(3)",
        "unbounded_depth": "Art. 7(3)", "peer_after_breakaway": "Art. 7(3)", "high_cap": "Art. 7",
        "promotion_on_unsettled_orders": "Art. 7",
    }
    headcount = next(r for r in compliance_check(plan) if r.code == "headcount_promotion")
    assert "代理每推荐 3 人即晋升老板" in headcount.explanation
    assert "recruiting 3 people" in headcount.explanation
    for risk in compliance_check(plan):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in risk.explanation), risk.code
        assert any(ch.isascii() and ch.isalpha() for ch in risk.explanation), risk.code


@pytest.mark.django_db
def test_an_overridden_plan_is_acknowledged_only_with_exactly_its_own_codes():
    operator = t.make_platform_user()
    plan = plan_draft(actor=operator, config={"profile": "sales", "peer": "10%", "team_depth_limit": None})
    assert [(r["code"], r["severity"]) for r in plan.compliance] == [
        ("headcount_promotion", "high"), ("peer_after_breakaway", "high"), ("unbounded_depth", "high"),
        ("entry_fee_package", "medium"), ("team_pay", "medium")]
    assert plan.config == {"profile": "sales", "peer": "10%", "team_depth_limit": None}

    stock_sales_codes = [code for code, _ in SALES]
    with pytest.raises(InvalidInput) as err:
        plan_acknowledge(actor=operator, plan=plan, codes=stock_sales_codes)
    assert err.value.code == "risks_not_acknowledged"
    assert err.value.detail == {"missing": ["peer_after_breakaway", "unbounded_depth"], "unknown": []}
    with pytest.raises(InvalidInput) as err:
        plan_acknowledge(actor=operator, plan=plan, codes=[r["code"] for r in plan.compliance] + ["no_cap"])
    assert err.value.detail == {"missing": [], "unknown": ["no_cap"]}
    plan.refresh_from_db()
    assert plan.acknowledged_at is None

    plan = plan_acknowledge(actor=operator, plan=plan, codes=[r["code"] for r in plan.compliance])
    assert plan.acknowledged_by == operator


class _Graph:
    """Boss 1 (origin boss 9) owns the team of agent 2, who bought; 3 invited 2."""

    levels = {1: BOSS, 2: AGENT, 3: AGENT, 9: BOSS}

    def level(self, user): return self.levels[user]
    def referrer(self, user): return {2: 3, 3: 1}.get(user)
    def team_owner(self, user): return {2: 1, 3: 1}.get(user)
    def origin_boss(self, user): return {1: 9}.get(user)


def test_peer_pay_needs_team_pay_so_a_plan_without_team_pay_never_pays_it():
    """Why `peer` alone raises no `peer_after_breakaway`: the engine pays no peer without a team reward."""
    with_team = Plan.parse({"profile": "classic"})
    without_team = Plan.parse({"profile": "classic", "team": "off"})
    assert line_reward_amounts(with_team, line_recipients(_Graph(), with_team, 2), quantity=1,
                               unit_price_fen=49900, unit_pool_fen=30000) == {"direct": 10000, "team": 20000, "peer": 2000}
    recipients = line_recipients(_Graph(), without_team, 2)
    assert (recipients.team, recipients.peer) == (None, None)
    assert line_reward_amounts(without_team, recipients, quantity=1, unit_price_fen=49900,
                               unit_pool_fen=30000) == {"direct": 10000, "team": 0, "peer": 0}
