"""A merchant owner on a phone: sees the layers, tightens a threshold, recomputes, reads who moved."""


import pytest

from linkmall import testing as t
from linkmall.core.tasks import run_due
from linkmall.customers.models import CustomerSettings
from linkmall.customers.scoring import layers_recompute
from linkmall.customers.scoring.testkit import add_events, add_purchase, make_visitor
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_moves_the_core_threshold_and_reads_the_migration_report(playwright, live_server, tmp_path):
    shots = Screenshots(screenshot_dir(tmp_path))
    merchant = t.make_merchant()
    owner = t.make_merchant_owner(merchant)
    for i in range(3):
        buyer = t.make_user(display_name=f"老客{i + 1}")
        add_purchase(buyer, merchant.pk, 10000 * (i + 1), days_ago=3 + i)
        add_events(make_visitor(buyer), merchant.pk, "product_view", count=i + 1)
    for i in range(4):
        add_events(make_visitor(t.make_user(display_name=f"访客{i + 1}")), merchant.pk, "card_view", count=i + 1)
    layers_recompute(merchant_id=merchant.pk)

    with phone_browser(playwright, tmp_path / "owner") as page:
        page.goto(f"{live_server.url}/staff/login/")
        page.fill("#id_username", owner.username)
        page.fill("#id_password", "correct horse battery")
        page.click("main button[type=submit]")
        page.goto(f"{live_server.url}/console/layers/")
        assert page.locator(".ly-card").count() == 3
        shots(page, "layers-overview")

        page.click("text=调整阈值与权重")
        page.fill("#id_active_min", "0.7")
        page.click("button:has-text('保存')")
        assert "阈值需满足 0 ≤ 活跃层 < 核心层 ≤ 1。" in page.inner_text("[role=alert]")
        shots(page, "layers-settings-refused")
        page.fill("#id_active_min", "0.1")
        page.fill("#id_core_min", "0.45")
        page.click("button:has-text('保存')")
        assert CustomerSettings.objects.get(pk=merchant.pk).core_min_score == 0.45

        page.click("button:has-text('重新计算分层')")
        assert run_due() == 1
        page.reload()
        page.click(".ly-kv a")
        rows = page.locator(".ly-list li")
        assert [rows.nth(i).inner_text().split("\n") for i in range(rows.count())] == [
            [f"访客{i}", "潜在层 → 活跃层"] for i in range(1, 5)]
        shots(page, "layers-migration-report")
