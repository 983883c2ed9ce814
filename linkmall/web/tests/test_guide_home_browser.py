"""A guide's morning in a real browser at phone size: log in by SMS, land on the workbench, see the
customer to call back and today's booking, and open the radar from it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from linkmall.accounts.models import User
from linkmall.accounts.sms import LogSmsBackend
from linkmall.cards.models import Appointment
from linkmall.core import clock
from linkmall.customers.models import Event, Profile, Reminder, Visitor
from linkmall.testing import make_consumer, make_guide
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir
from linkmall.web.tests.test_browser_journey import log_in_by_sms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GUIDE_PHONE = "13800001111"


@pytest.fixture
def shots(tmp_path) -> Screenshots:
    return Screenshots(screenshot_dir(tmp_path))


def test_a_guide_logs_in_by_sms_lands_on_the_workbench_and_opens_the_radar(live_server, playwright, tmp_path,
                                                                            shots, mall, settings):
    # the radar page's event stream ends quickly, so no stream outlives the test's database
    settings.LINKMALL = {**settings.LINKMALL, "RADAR_POLL_SECONDS": 0.2, "RADAR_STREAM_SECONDS": 1}
    now = clock.now()
    guide = make_guide(mall.store)
    User.objects.filter(pk=guide.user_id).update(phone=GUIDE_PHONE, display_name="林晓")
    wang = Profile.objects.create(merchant=mall.merchant, user=make_consumer(), guide=guide, name="王女士",
                                  intent_grade="A")
    reminder = Reminder.objects.create(profile=wang, guide=guide, body="回访口红试色", due_at=now - timedelta(hours=2))
    local = now.astimezone(ZoneInfo("Asia/Shanghai"))
    # a booking later today, or earlier today when the test runs late in the evening
    slot = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    if slot.date() != local.date():
        slot = datetime.combine(local.date(), datetime.min.time(), tzinfo=local.tzinfo).replace(hour=9)
    booking = Appointment.objects.create(store=mall.store, guide=guide, user=wang.user, starts_at=slot, seat=1)
    visitor = Visitor.objects.create(key="w" * 32, user=wang.user, consented_at=now)
    Event.objects.create(dedupe_key="browser-1", kind=Event.Kind.PRODUCT_VIEW, visitor=visitor, user=wang.user,
                         merchant=mall.merchant, store=mall.store, guide=guide, product=mall.lipstick,
                         occurred_at=now)
    LogSmsBackend.clear()

    with phone_browser(playwright, tmp_path / "guide") as page:
        page.goto(f"{live_server.url}/login/")
        log_in_by_sms(page, GUIDE_PHONE)
        page.wait_for_selector("#gw-radar")
        assert page.url == f"{live_server.url}/guide/"
        assert page.text_content("#gw-name") == "你好，林晓"
        assert "回访口红试色" in page.text_content(f"#gw-reminder-{reminder.pk}")
        assert "王女士" in page.text_content(f"#gw-booking-{booking.pk}")
        assert page.text_content("#gw-hot").strip() == "A王女士"
        shots(page, "guide-workbench")
        shots(page, "guide-workbench-card", show="#gw-earnings")

        page.click("#gw-radar >> text=打开雷达")
        page.wait_for_selector("#radar")
        assert page.url == f"{live_server.url}/guide/radar/"
        assert "王女士 浏览了 丝绒口红" in page.text_content("#radar")
        shots(page, "guide-radar")
        page.click(".guide-tabbar >> text=工作台")
        page.wait_for_selector("#gw-radar")
        assert page.url == f"{live_server.url}/guide/"
