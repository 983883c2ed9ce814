"""A customer opens a guide's card on a phone, logs in by SMS to book a visit, and saves the card."""

from datetime import datetime, timedelta

import pytest

from linkmall.accounts.sms import LogSmsBackend
from linkmall.cards.models import Appointment, CardHolding, Promotion
from linkmall.cards.slots import STORE_TZ
from linkmall.core import clock
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13912340000"


@pytest.fixture
def shots(tmp_path) -> Screenshots:
    return Screenshots(screenshot_dir(tmp_path))


def test_a_customer_opens_a_card_books_a_visit_and_keeps_the_card(live_server, playwright, tmp_path, shots, shop):
    LogSmsBackend.clear()
    now = clock.now()
    Promotion.objects.create(merchant=shop.merchant, title="双十二护肤节 满 300 减 50", detail="全场护肤品可用",
                             starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=10))
    base = live_server.url

    with phone_browser(playwright, tmp_path / "customer") as page:
        page.goto(f"{base}/card/{shop.guide.pk}/")
        assert page.text_content(".bc-name") == "王小美"
        assert page.locator("[data-track-section=products] .product-card .name").all_text_contents() == [
            "保湿面霜", "丝绒口红"]
        shots(page, "card-consent")
        page.click("[data-consent=yes]")
        shots(page, "card")
        shots(page, "card-store", show=".bc-store")
        shots(page, "card-share", show=".bc-share")

        page.click(".bc-bar >> text=预约到店")
        page.wait_for_selector(".bc-slots")
        shots(page, "book")
        chosen = page.locator(".bc-slot input").first.get_attribute("value")
        page.locator(".bc-slot").first.click()
        page.click("text=确认预约")
        page.fill("#id_phone", PHONE)  # booking needs an account: log in by SMS and come back
        page.click("#send-code")
        page.wait_for_selector(".msg-success")
        page.fill("#id_code", LogSmsBackend.last_code_for(PHONE))
        page.click("button[value=login]")
        page.wait_for_selector(".bc-slots")
        page.locator(f".bc-slot input[value='{chosen}']").check()
        page.click("text=确认预约")
        page.wait_for_selector(".msg-success")
        shots(page, "my-bookings")
        booking = Appointment.objects.get()
        assert booking.starts_at == datetime.fromisoformat(chosen)
        assert booking.starts_at.astimezone(STORE_TZ).strftime("%H:%M") == page.text_content(
            ".list strong")[-5:]

        page.goto(f"{base}/card/{shop.guide.pk}/")
        page.click("text=收藏名片")
        page.wait_for_selector("text=已收藏")
        assert CardHolding.objects.filter(card=shop.card).count() == 1
        page.goto(f"{base}/me/cards/")
        assert page.locator(".bc-holder strong").all_text_contents() == ["王小美"]
        shots(page, "holder")
