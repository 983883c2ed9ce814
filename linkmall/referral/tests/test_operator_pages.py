"""The operator console of the 2+1 engine: the plan, its compliance report and the kill switch."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from linkmall import testing as t
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import EngineSwitch, ReferralPlan, Reward
from linkmall.referral.services import promoter_seed
from linkmall.referral.tests.operator_fixtures import buy, go_live, make_mall

pytestmark = pytest.mark.django_db

OPS_URLS: list[tuple[str, list[int]]] = [
    ("referral:ops_home", []), ("referral:ops_plan_new", []), ("referral:ops_kill_switch", []),
    ("referral:ops_tree", []), ("referral:ops_rewards", []), ("referral:ops_rewards_csv", []),
]


@pytest.fixture
def operator():
    return t.make_platform_user()


@pytest.fixture
def ops(client, operator):
    client.force_login(operator)
    return client


@pytest.mark.parametrize("name,args", OPS_URLS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert "next=" in response["Location"]


@pytest.mark.parametrize("name,args", OPS_URLS)
def test_consumers_and_tenant_staff_are_refused_every_operator_page(client, name, args):
    supplier = t.make_supplier()
    for user in (t.make_consumer(), t.make_supplier_staff(supplier), t.make_merchant_owner(t.make_merchant())):
        client.force_login(user)
        assert client.get(reverse(name, args=args)).status_code == 403


def test_non_platform_users_cannot_draft_a_plan_or_flip_the_switch(client):
    client.force_login(t.make_consumer())
    assert client.post(reverse("referral:ops_plan_new"), {"profile": "classic"}).status_code == 403
    assert client.post(reverse("referral:ops_kill_switch"), {"paused": "1", "reason": "x", "confirm": "on"}).status_code == 403
    assert ReferralPlan.objects.count() == 0
    assert not EngineSwitch.objects.filter(rewards_paused=True).exists()


def test_the_home_page_shows_the_default_plan_in_words_when_none_is_live(ops):
    response = ops.get(reverse("referral:ops_home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "还没有生效的方案" in body
    for key, value, words in [
        ("profile", "sales", "以 sales 方案为基础"), ("direct", "60%", "直推奖：佣金池的 60%"),
        ("team", "40%", "团队奖：佣金池的 40%"), ("peer", "off", "不发平级奖"),
        ("team_depth_limit", "2", "团队奖只在团队老板位于买家上方 2 层以内时发放"),
        ("payout_cap", "30%", "每行奖励合计不超过售价的 30%"), ("basis", "settled", "订单结算后才晋升和计奖，奖励立即可提现"),
    ]:
        assert f'<dt><code>{key}</code></dt><dd>{value}<div class="small muted">{words}</div></dd>' in body


def test_an_operator_drafts_acknowledges_and_puts_a_plan_live_through_the_pages(ops, operator):
    response = ops.post(reverse("referral:ops_plan_new"), {"profile": "classic", "peer": "off", "settle_days": "10"})
    plan = ReferralPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referral:ops_plan", args=[plan.pk])
    assert plan.config == {"profile": "classic", "peer": "off", "settle_days": 10}
    assert (plan.status, plan.created_by) == ("draft", operator)

    page = ops.get(response["Location"]).content.decode()
    codes = [r["code"] for r in plan.compliance]
    assert codes == ["entry_fee_package", "headcount_promotion", "team_pay", "unbounded_depth", "no_cap",
                     "promotion_on_unsettled_orders"]
    for risk in plan.compliance:
        assert f'name="codes" value="{risk["code"]}"' in page
        assert escape(risk["explanation"]) in page
        assert risk["article"] in page
    assert "上线此方案" not in page

    response = ops.post(reverse("referral:ops_plan_acknowledge", args=[plan.pk]), {"codes": codes})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.acknowledged_by == operator
    assert "上线此方案" in ops.get(reverse("referral:ops_plan", args=[plan.pk])).content.decode()

    response = ops.post(reverse("referral:ops_plan_go_live", args=[plan.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("referral:ops_home")
    plan.refresh_from_db()
    assert plan.status == "live"
    home = ops.get(reverse("referral:ops_home")).content.decode()
    assert f"#{plan.pk} · 生效于" in home
    assert '<dt><code>settle_days</code></dt><dd>10<div class="small muted">付款 10 天后结算</div>' in home
    assert '<dt><code>peer</code></dt><dd>off<div class="small muted">不发平级奖</div>' in home
    assert '<dd>100.00<div class="small muted">直推奖：每件 100.00 元</div>' in home


def test_a_plan_with_one_risk_left_unticked_is_not_acknowledged(ops):
    ops.post(reverse("referral:ops_plan_new"), {"profile": "sales"})
    plan = ReferralPlan.objects.get()
    codes = [r["code"] for r in plan.compliance]

    response = ops.post(reverse("referral:ops_plan_acknowledge", args=[plan.pk]), {"codes": codes[1:]})

    assert response.status_code == 400
    assert "请逐条确认每一项合规风险。" in response.content.decode()
    plan.refresh_from_db()
    assert plan.acknowledged_at is None


def test_an_unacknowledged_plan_cannot_go_live_from_the_page(ops):
    ops.post(reverse("referral:ops_plan_new"), {"profile": "sales"})
    plan = ReferralPlan.objects.get()

    response = ops.post(reverse("referral:ops_plan_go_live", args=[plan.pk]), follow=True)

    assert "compliance_not_acknowledged" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "draft"


@pytest.mark.parametrize("field,value,message", [
    ("direct", "12.345", "more than two decimals"),
    ("peer", "150%", "between 0% and 100%"),
    ("slide_count", "0", "slide_count must be a whole number"),
    ("payout_cap", "thirty", "must be a percentage"),
    ("team_depth_limit", "-1", "team_depth_limit must be a whole number"),
    ("entry", "-5", "entry.spend must be positive"),
])
def test_a_bad_override_is_shown_next_to_its_field_and_nothing_is_stored(ops, field, value, message):
    response = ops.post(reverse("referral:ops_plan_new"), {"profile": "sales", field: value})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert ReferralPlan.objects.count() == 0


def test_the_plan_history_lists_retired_live_and_draft_plans(ops, operator):
    first = go_live(operator, {"profile": "classic"})
    second = go_live(operator, {"profile": "sales"})
    ops.post(reverse("referral:ops_plan_new"), {"profile": "sales", "direct": "50%"})

    page = ops.get(reverse("referral:ops_home")).content.decode()

    first.refresh_from_db()
    assert first.status == "retired"
    assert page.count('class="badge badge-retired"') == 1
    assert page.count('class="badge badge-live"') == 1
    assert page.count('class="badge badge-draft"') == 1
    assert f"#{second.pk} · 生效于" in page


def test_an_unknown_plan_answers_404(ops):
    assert ops.get(reverse("referral:ops_plan", args=[999])).status_code == 404
    assert ops.post(reverse("referral:ops_plan_go_live", args=[999])).status_code == 404


# --- the kill switch --------------------------------------------------------------------------


def test_pausing_needs_a_reason_and_a_confirmation(ops):
    response = ops.post(reverse("referral:ops_kill_switch"), {"paused": "1", "reason": ""})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"reason", "confirm"}
    assert not EngineSwitch.objects.filter(rewards_paused=True).exists()


def test_the_kill_switch_shows_who_paused_rewards_and_why(ops, operator):
    response = ops.post(reverse("referral:ops_kill_switch"), {"paused": "1", "reason": "监管问询", "confirm": "on"})
    assert response.status_code == 302

    switch = EngineSwitch.objects.get()
    assert (switch.rewards_paused, switch.reason, switch.changed_by) == (True, "监管问询", operator)
    page = ops.get(reverse("referral:ops_kill_switch")).content.decode()
    assert "已暂停" in page and "监管问询" in page and str(operator) in page
    assert 'name="paused" value="0"' in page  # the button now resumes
    assert "奖励已暂停" in ops.get(reverse("referral:ops_home")).content.decode()


def test_a_double_submitted_pause_stays_paused(ops):
    for _ in range(2):
        ops.post(reverse("referral:ops_kill_switch"), {"paused": "1", "reason": "double", "confirm": "on"})
    assert EngineSwitch.objects.get().rewards_paused is True


def test_the_kill_switch_stops_rewards_of_orders_paid_after_pausing_and_keeps_earned_ones(ops):
    mall = make_mall()
    go_live(mall["operator"], {"profile": "classic"})
    boss, first, second = t.make_consumer(), t.make_consumer(), t.make_consumer()
    promoter_seed(user=boss, level="boss")
    referral_bind(user=first, referrer=boss, via="link")
    referral_bind(user=second, referrer=boss, via="link")
    buy(mall, first)
    earned_before = list(Reward.objects.values_list("recipient_id", "kind", "amount_fen").order_by("kind"))
    assert earned_before == [(boss.pk, "direct", 10000), (boss.pk, "team", 20000)]

    ops.post(reverse("referral:ops_kill_switch"), {"paused": "1", "reason": "暂停", "confirm": "on"})
    order = buy(mall, second)

    assert Reward.objects.filter(order=order).count() == 0
    assert list(Reward.objects.values_list("recipient_id", "kind", "amount_fen").order_by("kind")) == earned_before

    ops.post(reverse("referral:ops_kill_switch"), {"paused": "0", "reason": "", "confirm": "on"})
    assert EngineSwitch.objects.get().rewards_paused is False


def test_every_string_of_the_operator_console_and_ledger_pages_has_an_english_translation():
    import re
    from pathlib import Path

    from django.conf import settings

    from linkmall.web.i18n import parse_po

    translated = parse_po(Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po")
    pattern = re.compile(r"""{% trans ["']([^"']+)["'] %}|\b_\(["']([^"']+)["']\)|gettext_lazy\(["']([^"']+)["']\)""")
    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("referral/templates/referral/operator/*.html"), *root.glob("referral/pages/operator*.py"),
               *root.glob("ledger/templates/ledger/*.html"), *root.glob("ledger/pages/*.py")]
    wanted = {m for path in sources for groups in pattern.findall(path.read_text()) for m in groups if m}

    assert len(wanted) > 100
    assert sorted(wanted - set(translated)) == []


def test_the_operator_console_speaks_english_after_switching(ops):
    ops.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = ops.get(reverse("referral:ops_kill_switch")).content.decode()
    assert "Pause all new rewards" in body and "Platform console" in body


@pytest.mark.parametrize("plans", [1, 5])
def test_the_plan_page_costs_the_same_queries_whatever_the_number_of_plans(ops, operator, django_assert_num_queries,
                                                                          plans):
    for _ in range(plans):
        go_live(operator, {"profile": "classic"})
    # session, user, live plan, plans with their authors, the switch
    with django_assert_num_queries(5):
        ops.get(reverse("referral:ops_home"))
