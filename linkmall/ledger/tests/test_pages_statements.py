"""Statements (对账单) in the supplier and merchant consoles, their Excel export and withdrawals."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from linkmall import testing as t
from linkmall.core import clock
from linkmall.ledger.models import Withdrawal
from linkmall.ledger.tests.helpers import account, balance, fund, ledger_state

pytestmark = pytest.mark.django_db

SUPPLIER_URL = reverse("ledger:supplier_statement")
MERCHANT_URL = reverse("ledger:merchant_statement")


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(clock.now())


@pytest.fixture
def supplier():
    return t.make_supplier()


@pytest.fixture
def staff(client, supplier):
    client.force_login(t.make_supplier_staff(supplier))
    return client


@pytest.mark.parametrize("url", [SUPPLIER_URL, MERCHANT_URL])
def test_consumers_and_platform_staff_are_refused_the_console_statements(client, url):
    assert client.get(url).status_code == 302
    for user in (t.make_consumer(), t.make_platform_user()):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_a_merchant_cannot_open_the_supplier_statement_nor_the_other_way_round(client):
    client.force_login(t.make_merchant_owner(t.make_merchant()))
    assert client.get(SUPPLIER_URL).status_code == 403
    client.force_login(t.make_supplier_staff(t.make_supplier()))
    assert client.get(MERCHANT_URL).status_code == 403


def test_the_statement_shows_opening_lines_and_closing_of_each_bucket(staff, supplier):
    fund(account("supplier", supplier.pk, "available"), 10000)
    clock.advance(timedelta(days=3))
    fund(account("supplier", supplier.pk, "available"), 2500)
    fund(account("supplier", supplier.pk, "pending"), 700)
    today = clock.today()

    response = staff.get(SUPPLIER_URL, {"date_from": today.isoformat(), "date_to": today.isoformat()})

    assert response.status_code == 200
    sections = {s.bucket: s for s in response.context["statement"].buckets}
    assert (sections["available"].opening_fen, len(sections["available"].lines), sections["available"].closing_fen) == (
        10000, 1, 12500)
    assert (sections["pending"].opening_fen, sections["pending"].closing_fen) == (0, 700)
    body = response.content.decode()
    assert "100.00" in body and "125.00" in body and "7.00" in body
    assert response.context["available_fen"] == 12500


def test_a_supplier_never_sees_another_suppliers_money(staff, supplier):
    other = t.make_supplier()
    fund(account("supplier", other.pk, "available"), 99900)

    response = staff.get(SUPPLIER_URL)

    assert response.context["statement"].owner_id == supplier.pk
    assert response.context["statement"].buckets == []
    assert "999.00" not in response.content.decode()


def test_the_excel_export_has_the_summary_and_the_lines(staff, supplier):
    fund(account("supplier", supplier.pk, "available"), 12345)
    today = clock.today()

    response = staff.get(SUPPLIER_URL, {"date_from": today.isoformat(), "date_to": today.isoformat(),
                                        "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"statement-supplier-{supplier.pk}-" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    summary = [row for row in book["汇总"].iter_rows(values_only=True)]
    assert summary[0][:2] == ("对账单", f"supplier:{supplier.pk}")
    assert [Decimal(str(v)) for v in summary[4][1:5]] == [Decimal("0"), Decimal("123.45"), Decimal("0"),
                                                        Decimal("123.45")]


def test_a_backwards_range_is_explained_and_the_default_range_shown(staff):
    today = clock.today()
    response = staff.get(SUPPLIER_URL, {"date_from": today.isoformat(),
                                        "date_to": (today - timedelta(days=3)).isoformat()})
    assert response.status_code == 200
    assert "date_to is before date_from." in response.content.decode()
    assert (response.context["date_from"], response.context["date_to"]) == (today - timedelta(days=29), today)


def test_a_malformed_date_falls_back_to_the_last_thirty_days(staff):
    response = staff.get(SUPPLIER_URL, {"date_from": "yesterday"})
    today = clock.today()
    assert (response.context["date_from"], response.context["date_to"]) == (today - timedelta(days=29), today)


def test_a_merchant_requests_a_withdrawal_and_a_double_submit_is_one_request(client):
    merchant = t.make_merchant()
    client.force_login(t.make_merchant_owner(merchant))
    fund(account("merchant", merchant.pk, "available"), 50000)
    key = client.get(MERCHANT_URL).context["withdraw_form"]["key"].value()
    url = reverse("ledger:merchant_statement_withdraw")

    first = client.post(url, {"amount": "200.00", "key": key}, follow=True)
    state = ledger_state()
    client.post(url, {"amount": "200.00", "key": key})

    assert ledger_state() == state
    withdrawal = Withdrawal.objects.get()
    assert (withdrawal.owner_kind, withdrawal.owner_id, withdrawal.amount_fen) == ("merchant", merchant.pk, 20000)
    assert balance(account("merchant", merchant.pk, "available")) == 30000
    assert "提现申请已提交" in first.content.decode()
    assert "待审核" in client.get(MERCHANT_URL).content.decode()


@pytest.mark.parametrize("amount,message", [
    ("abc", "请输入正确的金额"), ("-5", "提现金额必须大于 0"), ("900.00", "可提现余额不足"), ("0.01", "每次至少提现 ¥10.00，且金额需大于手续费。"),
])
def test_a_refused_withdrawal_says_why_and_moves_nothing(staff, supplier, amount, message):
    fund(account("supplier", supplier.pk, "available"), 50000)
    state = ledger_state()

    response = staff.post(reverse("ledger:supplier_statement_withdraw"), {"amount": amount, "key": "k1"}, follow=True)

    assert message in response.content.decode()
    assert ledger_state() == state
    assert Withdrawal.objects.count() == 0


@pytest.mark.parametrize("lines", [1, 8])
def test_the_statement_page_costs_the_same_queries_whatever_the_number_of_lines(
        staff, supplier, django_assert_num_queries, lines):
    for _ in range(lines):
        fund(account("supplier", supplier.pk, "available"), 100)
    # session, user, accounts, openings, lines, balances, recent withdrawals
    with django_assert_num_queries(7):
        staff.get(SUPPLIER_URL)
