"""到店自提 on the flash hall in Chromium at phone size: a buyer without any address chooses 到店自提
and a store in the buy form (radio buttons and a store list, no script needed), buys, and lands on a
pick-up order; the form fits the phone's width."""

from datetime import timedelta

import pytest

from linkmall import testing
from linkmall.accounts.sms import LogSmsBackend
from linkmall.campaigns.services.flash import FlashSaleFields, flash_sale_create
from linkmall.core import clock
from linkmall.orders.models import Order
from linkmall.web.tests.browser import PHONE, Screenshots, phone_browser, screenshot_dir
from linkmall.web.tests.test_activities_browser import sms_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_buyer_without_an_address_buys_a_flash_sale_for_pick_up(live_server, playwright, tmp_path, mall):
    LogSmsBackend.clear()
    shots = Screenshots(screenshot_dir(tmp_path))
    second = testing.make_store(mall.merchant, name="武林店")
    owner = testing.make_merchant_owner(mall.merchant)
    flash_sale_create(actor=owner, merchant=mall.merchant, fields=FlashSaleFields(
        listing_id=mall.tea_listing.pk, name="10点场", starts_at=clock.now(), ends_at=clock.now() + timedelta(hours=1),
        price_fen=9900, stock=2))
    testing.make_consumer("13912347001")
    with phone_browser(playwright, tmp_path / "buyer") as page:
        page.goto(f"{live_server.url}/login/?next=/shop/{mall.merchant.pk}/flash/")
        sms_login(page, "13912347001")
        assert page.locator(".fulfilment-choice input[value=delivery]").is_checked()
        page.check(".fulfilment-choice input[value=pickup]")
        page.select_option(".fulfilment-choice select", str(second.pk))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shots(page, "flash-hall-pickup", show=".fulfilment-choice")
        page.click(".flash-slot button")
        assert "/orders/" in page.url
        assert "武林店" in (page.text_content("body") or "")
        shots(page, "flash-pickup-order")

    order = Order.objects.get()
    assert (order.fulfilment_mode, order.pickup_store_id, order.total_fen) == ("pickup", second.pk, 9900)
