"""Online fission, offline redemption (docs/o2o.md) in Chromium at phone size, end to end: a customer
claims an in-store coupon online and places a pick-up order; the supplier ships it to the store; the
store's guide logs in, lands on the workbench, marks the parcel arrived and redeems both codes at the
counter; the order is picked up, the coupon used, and the redemption report and the guide's earnings
show it."""

import re
from decimal import Decimal

import pytest

from linkmall.accounts.sms import LogSmsBackend
from linkmall.campaigns.models import Coupon
from linkmall.campaigns.services import coupon_template_create, coupon_template_set_status
from linkmall.core.tasks import run_due
from linkmall.ledger.models import LedgerAccount, OwnerKind
from linkmall.ledger.selectors import ledger_verify
from linkmall.orders.models import Fulfilment, Order, Redemption
from linkmall.referral.guide_pay import terms_set
from linkmall.testing import make_guide, make_merchant_owner, make_supplier_staff
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir
from linkmall.web.tests.test_browser_journey import log_in_by_sms, ship_in_console, staff_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUYER_PHONE, GUIDE_PHONE = "13912347001", "13912347002"


@pytest.fixture
def shots(tmp_path) -> Screenshots:
    return Screenshots(screenshot_dir(tmp_path))


def text(page, selector: str) -> str:
    return re.sub(r"\s+", " ", page.text_content(selector) or "").strip()


def test_a_coupon_claimed_online_and_a_pickup_order_are_redeemed_by_the_stores_guide(
        live_server, playwright, tmp_path, shots, mall):
    LogSmsBackend.clear()
    base = live_server.url
    owner = make_merchant_owner(mall.merchant)
    guide = make_guide(mall.store)
    guide.user.phone = GUIDE_PHONE
    guide.user.save(update_fields=["phone"])
    terms_set(actor=owner, merchant_id=mall.merchant.pk, commission_percent="5", team_percent="0")
    template = coupon_template_create(actor=owner, merchant=mall.merchant, name="到店核销 · 10 元无门槛", kind="amount",
                                      value=Decimal(1000), total=100, per_user_limit=1, valid_days=7,
                                      sources=["claim"], in_store=True)
    coupon_template_set_status(actor=owner, template_id=template.pk, status="active")

    with phone_browser(playwright, tmp_path / "buyer") as page:
        # 1. the customer claims the in-store coupon in the claim centre: its code waits in the wallet
        page.goto(f"{base}/shop/{mall.merchant.pk}/coupons/")
        page.click(f"#template-{template.pk} button[type=submit]")
        log_in_by_sms(page, BUYER_PHONE)
        page.wait_for_load_state()
        page.goto(f"{base}/shop/{mall.merchant.pk}/coupons/")
        page.click(f"#template-{template.pk} button[type=submit]")
        coupon = Coupon.objects.get(template=template)
        page.goto(f"{base}/me/coupons/")
        assert text(page, f"#coupon-code-{coupon.pk} .pickup-code") == coupon.code
        shots(page, "o2o-wallet-in-store-coupon")

        # 2. and orders the tea for pick-up at the store: no address needed
        page.goto(f"{base}/s/{mall.store.pk}/p/{mall.tea.pk}/")
        page.click("text=加入购物车")
        page.click(".tabbar >> text=购物车")
        page.click("text=去结算")
        page.check("input[name=fulfilment_mode][value=pickup]")
        page.check(f"input[name=pickup_store][value='{mall.store.pk}']")
        shots(page, "o2o-checkout-pickup", show="#fulfilment-mode")
        page.click("#place-order")
        order = Order.objects.get(buyer__phone=BUYER_PHONE)
        assert (order.fulfilment_mode, order.pickup_store_id, order.total_fen) == ("pickup", mall.store.pk, 16800)
        # the in-store coupon was never offered online
        assert order.coupon_id is None and Coupon.objects.get(pk=coupon.pk).status == "available"
        page.click("#pay")
        page.click("text=确认支付")
        page.wait_for_selector("text=支付成功")
        assert run_due() >= 1

    # 3. the supplier ships it to the store
    with phone_browser(playwright, tmp_path / "supplier") as console:
        staff_log_in(console, base, make_supplier_staff(mall.supplier_b))
        console.goto(f"{base}/console/supplier/fulfilments/")
        assert f"发往门店：{mall.store.name}" in text(console, f"tr:has-text('{order.number}')")
        ship_in_console(console, base, order, shots, carrier="SF", tracking="SF7000000001")
    assert Fulfilment.objects.get(order=order).status == Fulfilment.Status.SHIPPED

    # 4. the guide logs in and lands on the workbench; the parcel arrives, then both codes are redeemed
    with phone_browser(playwright, tmp_path / "guide") as page:
        page.goto(f"{base}/login/")
        log_in_by_sms(page, GUIDE_PHONE)
        page.wait_for_load_state()
        assert page.url == f"{base}/guide/"
        shots(page, "o2o-workbench")
        page.click(".gw-redeem")
        assert page.url.startswith(f"{base}/staff/redeem/")
        page.click(f"form:has-text('{order.number}') >> text=已到店")
        page.wait_for_load_state()
        assert order.number in text(page, "section:has(h2:text('待自提'))")
        order.refresh_from_db()
        assert order.store_received_at is not None

        page.fill("#redeem-code", order.pickup_code)
        page.click("#redeem-form button[type=submit]")
        assert text(page, "#redeem-result") == f"核销成功 订单 {order.number} 已提货。"
        shots(page, "o2o-pickup-redeemed")

        page.fill("#redeem-code", coupon.code)
        page.fill("#redeem-purchase", "88.00")
        page.click("#redeem-form button[type=submit]")
        assert text(page, "#redeemed-coupon") == (
            "到店核销券「到店核销 · 10 元无门槛」已使用，到店消费 ¥88.00，请在收银时给予优惠。")
        shots(page, "o2o-coupon-redeemed")

        # the same code again changes nothing and says when it was first redeemed
        page.fill("#redeem-code", coupon.code)
        page.fill("#redeem-purchase", "88.00")
        page.click("#redeem-form button[type=submit]")
        assert page.get_attribute("#redeem-error", "data-code") == "redeem_already"

        # 5. the guide's earnings: 5 % of the 168.00 the order paid
        page.goto(f"{base}/guide/earnings/")
        assert text(page, "#ge-pending") == "8.40"
        assert order.number in text(page, f"#ge-order-{order.pk}")
        shots(page, "o2o-guide-earnings")

    # 6. the owner's redemption report: today's claim, its redemption, the purchase, the pick-up, the pay
    with phone_browser(playwright, tmp_path / "owner") as console:
        staff_log_in(console, base, owner)
        console.goto(f"{base}/console/merchant/")
        console.click("nav >> text=核销报表")
        totals = {key: text(console, f"#report-total [data-key={key}]") for key in (
            "claimed", "claimed_redeemed", "redemption_rate", "redeemed", "revenue_fen", "pickups_waiting",
            "pickups_done", "guide_commission_fen")}
        assert totals == {"claimed": "1", "claimed_redeemed": "1", "redemption_rate": "100.0%", "redeemed": "1",
                          "revenue_fen": "¥88.00", "pickups_waiting": "0", "pickups_done": "1",
                          "guide_commission_fen": "¥8.40"}
        assert console.locator("svg.rr-chart").count() == 1
        shots(console, "o2o-redemption-report")

    order.refresh_from_db()
    assert (order.status, order.picked_up_at is not None) == ("completed", True)
    assert Coupon.objects.get(pk=coupon.pk).status == "used"
    assert sorted(Redemption.objects.values_list("kind", "outcome", "purchase_fen")) == [
        ("coupon", "redeem_already", None), ("coupon", "redeemed", 8800), ("pickup", "redeemed", None)]
    assert LedgerAccount.objects.get(owner_kind=OwnerKind.GUIDE, owner_id=guide.pk, bucket="pending").balance_fen == 840
    assert ledger_verify().ok
