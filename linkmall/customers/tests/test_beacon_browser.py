"""track.js in Chromium at phone size: the notice, then views, sections, shares and dwell arrive."""


import pytest

from linkmall import testing
from linkmall.customers.models import Event, Visitor
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.urls("linkmall.customers.tests.beacon_urls")]


def wait_for_kinds(page, wanted: set[str]) -> list[str]:
    """Poll the database while the browser works (bounded: at most 10 s)."""
    for _ in range(50):
        kinds = list(Event.objects.order_by("occurred_at", "pk").values_list("kind", flat=True))
        if wanted <= set(kinds):
            return kinds
        page.wait_for_timeout(200)
    return kinds


def test_a_visitor_agrees_and_the_page_reports_view_section_share_and_dwell(live_server, playwright, tmp_path):
    merchant = testing.make_merchant()
    guide = testing.make_guide(testing.make_store(merchant))
    shots = Screenshots(screenshot_dir(tmp_path))
    with phone_browser(playwright, tmp_path / "visitor") as page:
        page.goto(f"{live_server.url}/beacon-test/{merchant.pk}/{guide.pk}/")
        page.wait_for_selector("#lm-consent:not([hidden])")
        shots(page, "consent-notice")
        assert Event.objects.count() == 0

        page.click("#lm-consent [data-consent=yes]")
        assert wait_for_kinds(page, {"card_view"}) == ["card_view"]
        page.locator("#products").scroll_into_view_if_needed()
        page.click("#share")
        wait_for_kinds(page, {"section_view", "share"})
        page.wait_for_timeout(600)  # some visible time, so a dwell is worth reporting
        page.goto("about:blank")
        kinds = wait_for_kinds(page, {"dwell"})

    assert sorted(kinds) == ["card_view", "dwell", "section_view", "share"]
    visitor = Visitor.objects.get()
    assert visitor.consented_at is not None
    assert set(Event.objects.values_list("merchant_id", "guide_id", "visitor_id", "visit_number")) == {
        (merchant.pk, guide.pk, visitor.pk, 1)}
    assert Event.objects.get(kind="section_view").section == "products"
    assert Event.objects.get(kind="share").section == "wechat"
    assert Event.objects.get(kind="dwell").dwell_ms >= 500


def test_a_visitor_who_says_no_is_not_tracked_nor_asked_again(live_server, playwright, tmp_path):
    merchant = testing.make_merchant()
    guide = testing.make_guide(testing.make_store(merchant))
    with phone_browser(playwright, tmp_path / "visitor") as page:
        url = f"{live_server.url}/beacon-test/{merchant.pk}/{guide.pk}/"
        page.goto(url)
        page.click("#lm-consent [data-consent=no]")
        page.wait_for_function("document.cookie.includes('lm_consent=0')")
        page.reload()
        page.click("#share")
        page.wait_for_timeout(500)
        hidden = page.locator("#lm-consent").get_attribute("hidden")

    assert hidden is not None
    assert Event.objects.count() == 0
    assert Visitor.objects.get().consented_at is None
