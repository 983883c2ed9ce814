"""The customer console at phone size: a guide finds a customer, adds a tag, a note and a reminder."""

from datetime import timedelta

import pytest

from linkmall.core import clock
from linkmall.customers import tracking
from linkmall.customers.models import Note, ProfileTag, Reminder, Visitor
from linkmall.customers.tests.crm_fixtures import make_crm
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_guide_works_a_customer_from_the_list_on_a_phone(live_server, playwright, tmp_path):
    crm = make_crm()
    crm.guide.user.set_password("correct horse battery")
    crm.guide.user.save()
    visitor = Visitor.objects.create(key=tracking._new_key(), user=crm.mine.user, consented_at=clock.now())
    for minutes in (120, 119):
        tracking.event_record(visitor=visitor, kind="card_view", merchant_id=crm.merchant.pk, guide_id=crm.guide.pk,
                              occurred_at=clock.now() - timedelta(minutes=minutes))
    shots = Screenshots(screenshot_dir(tmp_path))
    with phone_browser(playwright, tmp_path / "guide") as page:
        page.goto(f"{live_server.url}/staff/login/?next=/console/customers/")
        page.fill("input[name=username]", crm.guide.user.username)
        page.fill("input[name=password]", "correct horse battery")
        page.click("main button[type=submit]")
        page.wait_for_selector(".crm-list")
        shots(page, "customer-list")
        assert page.locator(".crm-row").count() == 1
        page.click("text=王小姐")
        page.fill("#tags input[name=name]", "敏感肌")
        page.click("#tags button[type=submit]:has-text('添加标签')")
        page.fill("#notes textarea[name=body]", "喜欢保湿，下周到店试用")
        page.click("#notes button[type=submit]")
        page.fill("#reminders input[name=body]", "回访试用感受")
        page.fill("#reminders input[name=due_at]", "2030-01-02T10:00")
        page.click("#reminders button[type=submit]")
        page.wait_for_selector("text=回访试用感受")
        shots(page, "customer-profile")
        shots(page, "customer-timeline", show="#timeline")
        timeline = page.locator("#timeline").inner_text()

    assert "喜欢保湿，下周到店试用" in timeline and "来访" in timeline
    assert list(ProfileTag.objects.values_list("tag__name", flat=True)) == ["敏感肌"]
    assert Note.objects.get().body == "喜欢保湿，下周到店试用"
    assert Reminder.objects.get().body == "回访试用感受"
