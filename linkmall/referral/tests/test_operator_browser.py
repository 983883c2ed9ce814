"""The operator console in Chromium: draft a plan, tick every risk, put it live, walk the team
tree with htmx, and pause rewards with the kill switch."""


import pytest

from linkmall import testing as t
from linkmall.referral.models import EngineSwitch, Promoter, ReferralPlan
from linkmall.referral.services import promoter_seed
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_puts_a_plan_live_walks_the_tree_and_pauses_rewards(live_server, playwright, tmp_path):
    shots = Screenshots(screenshot_dir(tmp_path))
    operator = t.make_platform_user()
    boss, agent, member = t.make_consumer(), t.make_consumer(), t.make_consumer()
    promoter_seed(user=boss, level="boss")
    Promoter.objects.create(user=agent, referrer=boss, level="agent", team_owner=boss)
    Promoter.objects.create(user=member, referrer=agent)
    base = live_server.url

    with phone_browser(playwright, tmp_path / "ops") as page:
        page.goto(f"{base}/staff/login/")
        page.fill("#id_username", operator.username)
        page.fill("#id_password", "correct horse battery")
        page.click("main button[type=submit]")
        page.wait_for_load_state()

        page.goto(f"{base}/ops/referral/plans/new/")
        page.select_option("select[name=profile]", "classic")
        page.fill("input[name=peer]", "off")
        page.click("main button[type=submit]")
        page.wait_for_selector(".risks")
        shots(page, "plan-compliance")
        for box in page.locator("input[name=codes]").all():
            box.check()
        page.click("button:has-text('确认以上全部风险')")
        page.click("button:has-text('上线此方案')")
        page.wait_for_selector("text=当前生效方案")
        shots(page, "plan-live")
        plan = ReferralPlan.objects.get()
        assert (plan.status, plan.config) == ("live", {"profile": "classic", "peer": "off"})

        page.goto(f"{base}/ops/referral/tree/")
        page.fill("#tree-q", boss.phone)
        page.click("main button[type=submit]")
        page.locator("#referrals .tree-expand").first.click()
        page.wait_for_selector(f"#referrals .tree-sub a[href$='q={member.pk}']")
        shots(page, "tree-expanded", show="#referrals")

        page.goto(f"{base}/ops/referral/kill-switch/")
        page.fill("input[name=reason]", "监管问询")
        page.check("input[name=confirm]")
        page.click("main button[type=submit]")
        page.wait_for_selector("text=已暂停发放新奖励。")
        shots(page, "kill-switch-paused")
        assert EngineSwitch.objects.get().rewards_paused is True
