from decimal import Decimal

from linkmall.referral.plans import Plan, Rate, compliance_check


def test_the_sales_profile_is_the_default():
    plan = Plan.parse({})
    assert plan.profile == "sales"
    assert (plan.basis, plan.rewards_on, plan.team_depth_limit, plan.payout_cap_percent) == (
        "settled", "all", 2, Decimal("30"))
    assert (plan.direct, plan.team, plan.peer_percent) == (Rate(percent=Decimal("60")), Rate(percent=Decimal("40")), None)


def test_a_plan_file_overrides_keys_of_its_profile():
    plan = Plan.parse({"profile": "classic", "direct": "50.00", "peer": "off", "entry": {"spend": "999.00"}})
    assert (plan.direct, plan.team, plan.peer_percent, plan.entry_spend_fen) == (
        Rate(fixed_fen=5000), Rate(fixed_fen=20000), None, 99900)


def test_the_classic_profile_carries_every_art7_risk_of_the_spec():
    codes = {r.code: r.severity for r in compliance_check(Plan.parse({"profile": "classic"}))}
    assert codes == {
        "entry_fee_package": "high", "headcount_promotion": "high", "team_pay": "high",
        "unbounded_depth": "high", "peer_after_breakaway": "high", "no_cap": "medium",
        "promotion_on_unsettled_orders": "medium",
    }


def test_the_sales_profile_drops_the_risks_it_was_designed_against():
    codes = {r.code: r.severity for r in compliance_check(Plan.parse({}))}
    assert codes == {"entry_fee_package": "medium", "headcount_promotion": "high", "team_pay": "medium"}


def test_every_risk_explains_itself_in_chinese_and_english():
    for risk in compliance_check(Plan.parse({"profile": "classic"})):
        assert risk.article.startswith("Art. 7")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in risk.explanation)
        assert any(ch.isascii() and ch.isalpha() for ch in risk.explanation)
