"""The redemption report on a phone, in Debian's Chromium: the chart fits the screen's width and the
table scrolls inside its card, nothing pushes the page sideways."""

import pytest
from django.conf import settings
from django.test import Client

from linkmall.aftersales.tests.test_redemption_report import world  # noqa: F401 (the fixture)
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_reads_the_report_and_its_chart_on_a_phone(live_server, playwright, tmp_path, world):  # noqa: F811
    shots = Screenshots(screenshot_dir(tmp_path))
    client = Client()
    client.force_login(world.owner)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with phone_browser(playwright, tmp_path / "owner") as page:
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session,
                                   "url": live_server.url}])
        page.goto(f"{live_server.url}/console/merchant/redemptions/report/?date_from=2026-03-04&date_to=2026-03-11")
        page.wait_for_selector("svg.rr-chart")
        assert page.text_content('#report-total dd[data-key="redemption_rate"]') == "66.7%"
        box = page.locator("svg.rr-chart").bounding_box()
        width = page.evaluate("document.documentElement.clientWidth")
        assert box is not None and box["x"] > 0 and box["x"] + box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shots(page, "redemption-report-chart", show="#report-chart")
        shots(page, "redemption-report-days", show="#report-days")
