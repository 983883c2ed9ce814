"""In Chromium: a supplier reads its statement and asks to withdraw; platform staff approve it."""


import pytest

from linkmall import testing as t
from linkmall.ledger.models import Withdrawal
from linkmall.ledger.tests.helpers import account, balance, fund
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, user):
    page.goto(f"{base}/staff/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "correct horse battery")
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_a_supplier_withdraws_from_its_statement_and_the_platform_pays_it(live_server, playwright, tmp_path):
    shots = Screenshots(screenshot_dir(tmp_path))
    supplier = t.make_supplier()
    staff, operator = t.make_supplier_staff(supplier), t.make_platform_user()
    fund(account("supplier", supplier.pk, "available"), 88800)
    base = live_server.url

    with phone_browser(playwright, tmp_path / "supplier") as page:
        log_in(page, base, staff)
        page.goto(f"{base}/console/supplier/statement/")
        assert page.locator(".statement-summary").inner_text().count("888.00") == 2
        shots(page, "statement")
        page.fill("input[name=amount]", "300.00")
        page.click("button:has-text('申请提现')")
        page.wait_for_selector(".msg-success")
        shots(page, "withdrawal-requested", show="text=申请提现")
        with page.expect_download() as download:
            page.click("text=导出 Excel")
        assert download.value.suggested_filename.startswith(f"statement-supplier-{supplier.pk}-")

    withdrawal = Withdrawal.objects.get()
    assert (withdrawal.amount_fen, withdrawal.status) == (30000, "requested")
    with phone_browser(playwright, tmp_path / "ops") as page:
        log_in(page, base, operator)
        page.goto(f"{base}/ops/withdrawals/")
        shots(page, "queue")
        page.click(f"#withdrawal-{withdrawal.pk} button:has-text('通过并打款')")
        page.wait_for_selector(".msg-success")

    withdrawal.refresh_from_db()
    assert withdrawal.status == "paid"
    assert balance(account("supplier", supplier.pk, "withdrawn")) == withdrawal.net_fen
