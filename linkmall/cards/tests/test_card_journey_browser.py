"""The whole card journey in Chromium, two phones at once: a guide shares their card and watches
the radar; a visitor opens the share link, agrees to tracking, looks at a product, asks the
assistant, logs in by SMS, books a visit and buys; the guide's radar shows it live over SSE, and
the customer's profile shows the timeline, intent grade and layer afterwards."""

import re

import pytest

from linkmall.accounts.sms import LogSmsBackend
from linkmall.cards.models import Appointment, Question
from linkmall.core.tasks import run_due
from linkmall.customers.models import Event, Profile
from linkmall.orders.models import Order
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "13912345001"


def radar_line(radar, pattern: str) -> str:
    """Wait (bounded by the page's default timeout) for a radar line matching `pattern`."""
    locator = radar.locator("#radar .radar-item .text", has_text=re.compile(pattern)).first
    locator.wait_for()
    return locator.text_content()


def test_a_shared_card_brings_a_visitor_who_books_and_buys_while_the_guide_watches(
        live_server, playwright, tmp_path, settings, shop):
    # short streams: the browser reconnects (Last-Event-ID) several times during the test, and no
    # stream outlives the test by more than a moment
    settings.LINKMALL = {**settings.LINKMALL, "RADAR_POLL_SECONDS": 0.2, "RADAR_STREAM_SECONDS": 2}
    LogSmsBackend.clear()
    base = live_server.url
    shots = Screenshots(screenshot_dir(tmp_path))
    with phone_browser(playwright, tmp_path / "guide") as radar, \
            phone_browser(playwright, tmp_path / "visitor") as page:
        # 1. the guide logs in, opens their own card and takes its share link
        radar.goto(f"{base}/staff/login/")
        radar.fill("#id_username", shop.guide.user.username)
        radar.fill("#id_password", "correct horse battery")
        radar.click("main button[type=submit]")
        radar.goto(f"{base}/card/{shop.guide.pk}/")
        share_url = radar.input_value(".bc-share-url")
        assert f"/card/{shop.guide.pk}/?s=" in share_url  # the guide is no consumer: no ?ref= code
        radar.goto(f"{base}/guide/radar/")
        radar.wait_for_selector("#radar-live.on")

        # 2. a visitor opens the link on another phone and agrees to tracking: the radar shows it
        page.goto(share_url)
        page.wait_for_selector("#lm-consent:not([hidden])")
        shots(page, "journey-card-consent")
        page.click("#lm-consent [data-consent=yes]")
        opened = radar_line(radar, "打开了你的名片")
        assert re.fullmatch(r"访客 [0-9A-F]{4} 通过 访客 [0-9A-F]{4} 的分享打开了你的名片", opened)
        shots(page, "journey-card")

        # 3. they read the products section, open the lipstick and come back after a while
        page.locator("[data-track-section=products]").scroll_into_view_if_needed()
        radar_line(radar, "查看了你的名片的「推荐商品」")
        page.click("[data-track-section=products] >> text=丝绒口红")
        page.wait_for_selector("#buy-form")
        page.wait_for_timeout(1200)  # some visible time on the product: a dwell worth reporting
        page.go_back()
        page.wait_for_selector("#assistant")

        # 4. they ask the card's assistant; the answer cites the product, the radar shows the question
        page.fill("#assistant input[name=question]", "口红多少钱")
        page.click("#assistant button[type=submit]")
        page.wait_for_selector("#assistant-log li.a[data-answer]")
        assert page.text_content("#assistant-log li.a[data-answer]").startswith("丝绒口红：价格 ¥129.00。 [1]")
        assert radar_line(radar, "问：口红多少钱").endswith("问：口红多少钱")
        shots(page, "journey-assistant", show="#assistant")
        shots(radar, "journey-radar")

        # 5. booking needs an account: log in by SMS on the way, then book the first free slot
        page.click(".bc-bar >> text=预约到店")
        page.wait_for_selector(".bc-slots")
        chosen = page.locator(".bc-slot input").first.get_attribute("value")
        page.locator(".bc-slot").first.click()
        page.click("text=确认预约")
        page.fill("#id_phone", PHONE)
        page.click("#send-code")
        page.wait_for_selector(".msg-success")
        page.fill("#id_code", LogSmsBackend.last_code_for(PHONE))
        page.click("button[value=login]")
        page.wait_for_selector(".bc-slots")
        page.locator(f".bc-slot input[value='{chosen}']").check()
        page.click("text=确认预约")
        page.wait_for_selector(".msg-success")
        booking = Appointment.objects.get()
        assert radar_line(radar, "预约了").endswith(f"预约了 {booking.starts_at.astimezone().strftime('%m-%d %H:%M')} 到店")

        # 6. and buy the lipstick, paid in the sandbox cashier, as in the web journey
        page.goto(f"{base}/s/{shop.store.pk}/p/{shop.lipstick.pk}/")
        page.click("text=立即购买")
        page.click("text=新增收货地址")
        page.fill("#id_recipient", "张女士")
        page.fill("#id_phone", "13800001111")
        page.fill("#id_province", "浙江省")
        page.fill("#id_city", "杭州市")
        page.fill("#id_district", "西湖区")
        page.fill("#id_detail", "文三路 100 号")
        page.click("text=保存并使用")
        page.click("#place-order")
        order = Order.objects.get()
        page.click("#pay")
        page.click("text=确认支付")
        page.wait_for_selector("text=支付成功")
        run_due()  # the payment notification, then the purchase fact and the rescoring after it
        run_due()
        order.refresh_from_db()
        assert order.status == Order.Status.PAID
        shots(radar, "journey-radar-after")

        # 7. the guide opens the customer's profile: timeline, intent grade and layer are there
        profile = Profile.objects.get(merchant=shop.merchant, user__phone=PHONE)
        assert (profile.guide_id, profile.intent_grade != "", profile.layer != "") == (shop.guide.pk, True, True)
        radar.goto(f"{base}/console/customers/{profile.pk}/")
        assert radar.text_content(f".crm-grade-{profile.intent_grade}") == profile.intent_grade
        assert radar.locator(f".crm-layer-{profile.layer}").count() == 1
        timeline = " ".join(radar.locator("#timeline").all_text_contents())
        shots(radar, "journey-profile")
        shots(radar, "journey-profile-timeline", show="#timeline")
        radar.wait_for_timeout(2500)  # the radar's last 2 s stream ends before the test database goes

    kinds = set(Event.objects.filter(user=profile.user).values_list("kind", flat=True))
    assert {"card_view", "section_view", "product_view", "ask", "book"} <= kinds
    assert Question.objects.get().user_id in (None, profile.user_id)
    assert timeline.strip()
