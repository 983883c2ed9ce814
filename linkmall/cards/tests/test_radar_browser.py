"""The radar page in Chromium: an event stored while the guide watches appears on top, live."""

from datetime import datetime

import pytest

from linkmall.cards.models import Card, Question
from linkmall.cards.tests.test_radar import SHANGHAI, World, event, named
from linkmall.core import clock
from linkmall.customers.models import Event
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_guide_sees_a_customer_open_a_product_while_watching_the_radar(live_server, playwright, tmp_path,
                                                                            settings):
    # short streams: the browser reconnects (Last-Event-ID) several times during the test, and no
    # stream outlives the test by more than a moment
    settings.LINKMALL = {**settings.LINKMALL, "RADAR_POLL_SECONDS": 0.2, "RADAR_STREAM_SECONDS": 2}
    clock.freeze(datetime(2026, 11, 25, 14, 3, tzinfo=SHANGHAI))
    world = World()
    zhang = named(world, "张女士", grade="B")
    event(world, zhang, Event.Kind.CARD_VIEW)
    shots = Screenshots(screenshot_dir(tmp_path))

    with phone_browser(playwright, tmp_path / "guide") as page:
        page.goto(f"{live_server.url}/staff/login/")
        page.fill("#id_username", world.guide.user.username)
        page.fill("#id_password", "correct horse battery")
        page.click("main button[type=submit]")
        page.goto(f"{live_server.url}/guide/radar/")
        assert page.text_content("#radar .radar-item .text") == "张女士 打开了你的名片"
        page.wait_for_selector("#radar-live.on")

        view = event(world, zhang, Event.Kind.PRODUCT_VIEW, product=world.serum, visit=2)
        page.wait_for_selector(f"#radar .radar-item.new[data-key='{view.pk}']")
        assert page.locator("#radar .radar-item .text").all_text_contents() == [
            "张女士 浏览了 玻尿酸精华 · 第 2 次访问", "张女士 打开了你的名片"]
        shots(page, "radar-live")

        event(world, zhang, Event.Kind.DWELL, product=world.serum, visit=2, dwell_ms=95_000)
        page.wait_for_selector("#radar .radar-item .text >> text=张女士 浏览了 玻尿酸精华 2 分钟 · 第 2 次访问")
        assert page.locator("#radar .radar-item").count() == 2  # the dwell updated the view's line in place
        assert page.text_content(f"#radar [data-key='{view.pk}'] .grade") == "B"

        # the rest of the guide's workspace at phone size: the digest and the questions to answer
        Question.objects.create(card=Card.objects.create(guide=world.guide), text="周末有停车位吗？",
                                answer="这个问题我没有找到依据，已转给导购。", handed_off=True)
        page.click(".guide-tabs >> text=日报")
        page.wait_for_selector("#digest-stats")
        shots(page, "digest")
        page.click(".guide-tabs >> text=客户提问")
        assert page.text_content(".question .ask") == "周末有停车位吗？"
        shots(page, "questions")
        page.goto("about:blank")
        page.wait_for_timeout(2500)  # the last 2 s stream ends before the test database goes
