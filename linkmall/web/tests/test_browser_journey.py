"""The whole journey in a real browser at phone size: log in by SMS, buy from two suppliers in one
order, pay in the sandbox cashier, supplier 1 ships, the buyer sees it, a partial refund shows, and
supplier 2 ships the rest."""


import pytest

from linkmall.accounts.sms import LogSmsBackend
from linkmall.core.tasks import run_due
from linkmall.orders.models import Fulfilment, Order
from linkmall.testing import make_supplier_staff
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUYER_PHONE = "13912345678"


@pytest.fixture
def shots(tmp_path) -> Screenshots:
    return Screenshots(screenshot_dir(tmp_path))


def log_in_by_sms(page, phone: str) -> None:
    page.fill("#id_phone", phone)
    page.click("#send-code")
    page.wait_for_selector(".msg-success")
    page.fill("#id_code", LogSmsBackend.last_code_for(phone))
    page.click("button[value=login]")


def test_a_consumer_buys_from_two_suppliers_pays_gets_a_parcel_and_a_partial_refund(
    live_server, playwright, tmp_path, shots, mall, settings
):
    settings.LINKMALL = {**settings.LINKMALL, "PAGE_MICROCACHE_SECONDS": 1}  # as in production
    LogSmsBackend.clear()
    base = live_server.url
    supplier_staff = make_supplier_staff(mall.supplier_a)
    tea_staff = make_supplier_staff(mall.supplier_b)

    with phone_browser(playwright, tmp_path / "buyer") as page:
        # 1. browse the store and pick the pink lipstick: adding to the cart asks to log in first
        page.goto(f"{base}/")
        shots(page, "stores")
        page.click(f"text={mall.store.name}")
        page.wait_for_selector("#products")
        shots(page, "store-home")
        page.click("text=丝绒口红")
        page.click("label.option >> text=豆沙粉")
        assert page.text_content("#price") == "109.00"
        shots(page, "product")
        page.click("text=加入购物车")
        assert "/login/" in page.url
        shots(page, "login")
        log_in_by_sms(page, BUYER_PHONE)
        assert page.url.endswith(f"/s/{mall.store.pk}/p/{mall.lipstick.pk}/")

        page.click("label.option >> text=豆沙粉")
        page.click("text=加入购物车")
        assert page.text_content(".msg") == "已加入购物车。"

        # 2. the tea of the second supplier, straight from the store's category page
        page.click(".tabbar >> text=分类")
        page.click("text=茶饮")
        page.click("text=明前龙井 250g")
        page.click("text=加入购物车")
        page.click(".tabbar >> text=购物车")
        assert page.locator(".cart-group .line").count() == 2
        shots(page, "cart")

        # 3. checkout: no address yet, so add one; the order is split into one parcel per supplier
        page.click("text=去结算")
        page.click("text=新增收货地址")
        page.fill("#id_recipient", "王小姐")
        page.fill("#id_phone", "12345")  # too short: refused, and what was typed stays
        page.fill("#id_province", "浙江省")
        page.fill("#id_city", "杭州市")
        page.fill("#id_district", "西湖区")
        page.fill("#id_detail", "文三路 100 号")
        page.click("text=保存并使用")
        assert page.text_content(".has-error .errorlist") == "请输入正确的手机号。"
        assert page.input_value("#id_recipient") == "王小姐"
        shots(page, "address-error")
        page.fill("#id_phone", "13800001111")
        page.click("text=保存并使用")
        assert page.locator(".parcel").count() == 2
        shots(page, "checkout", show=".parcel >> nth=1")
        page.click("#place-order")

        order = Order.objects.get()
        assert page.url.endswith(f"/orders/{order.number}/")
        assert (order.total_fen, order.fulfilments.count()) == (10900 + 16800, 2)
        shots(page, "order-placed", show=".parcel >> nth=1")

        # 4. pay in the sandbox cashier; its notification arrives through the task queue
        page.click("#pay")
        assert "/sandbox/pay/" in page.url
        shots(page, "cashier")
        page.click("text=确认支付")
        page.wait_for_selector("text=支付成功")
        assert run_due() >= 1
        page.click("text=返回商城")
        assert page.url.endswith(f"/orders/{order.number}/")
        assert page.text_content("#order-status h1") == "待发货"
        shots(page, "paid")

    # 5. supplier 1 logs into its console and ships its parcel
    with phone_browser(playwright, tmp_path / "supplier") as console:
        staff_log_in(console, base, supplier_staff)
        ship_in_console(console, base, order, shots, carrier="SF", tracking="SF1234567890")

    parcel = order.fulfilments.get(supplier=mall.supplier_a)
    assert (parcel.status, parcel.carrier, parcel.tracking_number) == (Fulfilment.Status.SHIPPED, "SF", "SF1234567890")

    with phone_browser(playwright, tmp_path / "buyer") as page:
        # 6. the buyer sees parcel 1 shipped with its tracking number, parcel 2 still waiting
        page.goto(f"{base}/orders/{order.number}/")
        assert page.text_content(f"#parcel-{parcel.pk} .badge") == "已发货"
        assert "顺丰速运 SF1234567890" in page.text_content(f"#parcel-{parcel.pk} .tracking")
        shots(page, "shipped", show=f"#parcel-{parcel.pk}")

        # 7. a partial refund: after-sales for the lipstick, approved by the supplier
        lipstick_line = order.lines.get(product_name="丝绒口红")
        page.click(f"#line-{lipstick_line.pk} >> text=申请售后")
        page.check("input[value=refund_only]")
        page.fill("textarea[name=reason]", "颜色和图片不一样")
        shots(page, "aftersale-request")
        page.click("text=提交申请")

    with phone_browser(playwright, tmp_path / "supplier") as console:
        console.goto(f"{base}/console/supplier/aftersales/")
        console.click("tr:has-text('丝绒口红') >> a.link")
        console.click("button:has-text('同意')")
        shots(console, "console-approve")
    run_due()

    with phone_browser(playwright, tmp_path / "buyer") as page:
        page.goto(f"{base}/orders/{order.number}/")
        assert page.text_content("#order-refunded") == "已退款 ¥109.00"
        assert "已退 1 件" in page.text_content(f"#line-{lipstick_line.pk}")
        shots(page, "refunded", show=f"#line-{lipstick_line.pk}")

    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (Order.Status.PAID, 10900)  # parcel 2 is still to ship

    # 8. supplier 2 ships the tea from its own console: every parcel is on its way
    with phone_browser(playwright, tmp_path / "tea-supplier") as console:
        staff_log_in(console, base, tea_staff)
        ship_in_console(console, base, order, shots, carrier="YTO", tracking="YT9876543210")
    tea_parcel = order.fulfilments.get(supplier=mall.supplier_b)
    assert (tea_parcel.status, tea_parcel.carrier) == (Fulfilment.Status.SHIPPED, "YTO")

    with phone_browser(playwright, tmp_path / "buyer") as page:
        page.goto(f"{base}/orders/{order.number}/")
        assert page.text_content("#order-status h1") == "已发货"
        assert "圆通速递 YT9876543210" in page.text_content(f"#parcel-{tea_parcel.pk} .tracking")
        shots(page, "all-shipped", show=f"#parcel-{tea_parcel.pk}")

    order.refresh_from_db()
    assert (order.status, order.refunded_fen) == (Order.Status.SHIPPED, 10900)


def staff_log_in(console, base: str, staff) -> None:
    console.goto(f"{base}/staff/login/")
    console.fill("#id_username", staff.username)
    console.fill("#id_password", "correct horse battery")
    console.click("main button[type=submit]")
    console.wait_for_load_state()


def ship_in_console(console, base: str, order, shots, *, carrier: str, tracking: str) -> None:
    """A supplier finds the order among its parcels to ship and hands it to a carrier."""
    console.goto(f"{base}/console/supplier/fulfilments/")
    shots(console, f"console-fulfilments-{carrier}")
    console.click(f"tr:has-text('{order.number}') >> a.btn-primary")
    console.select_option("select[name=carrier]", carrier)
    console.fill("input[name=tracking_number]", tracking)
    shots(console, f"console-ship-{carrier}")
    console.click("button:has-text('确认发货')")
