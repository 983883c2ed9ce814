"""The ledger API: statements (JSON and Excel) with tenancy, and supplier/merchant withdrawals."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from linkmall import testing as t
from linkmall.core import clock
from linkmall.ledger.models import Withdrawal
from linkmall.ledger.tests.helpers import account, fund, ledger_state

pytestmark = pytest.mark.django_db

STATEMENT = "/api/v1/ledger/statement"
WITHDRAWALS = "/api/v1/ledger/withdrawals"


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


def test_anonymous_callers_get_401(client, supplier):
    assert client.get(STATEMENT, {"owner": f"supplier:{supplier.pk}"}).status_code == 401
    assert client.post(WITHDRAWALS, {}, content_type="application/json").status_code == 401


def test_a_supplier_reads_its_statement_in_json(staff, supplier):
    fund(account("supplier", supplier.pk, "available"), 10000)
    clock.advance(timedelta(days=2))
    fund(account("supplier", supplier.pk, "available"), 500)
    today = clock.today().isoformat()

    response = staff.get(STATEMENT, {"owner": f"supplier:{supplier.pk}", "from": today, "to": today})

    assert response.status_code == 200
    body = response.json()
    assert (body["owner"], body["date_from"], body["date_to"]) == (f"supplier:{supplier.pk}", today, today)
    [bucket] = body["buckets"]
    assert (bucket["bucket"], bucket["opening"], bucket["closing"], bucket["credits_fen"]) == (
        "available", "100.00", "105.00", 500)
    assert [(ln["kind"], ln["amount"], ln["balance_after_fen"]) for ln in bucket["lines"]] == [
        ("test_funding", "5.00", 10500)]


def test_a_supplier_never_reads_another_suppliers_statement(staff):
    other = t.make_supplier()
    fund(account("supplier", other.pk, "available"), 10000)

    response = staff.get(STATEMENT, {"owner": f"supplier:{other.pk}"})

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert staff.get(STATEMENT, {"owner": f"merchant:{t.make_merchant().pk}"}).status_code == 403


def test_the_statement_as_excel(staff, supplier):
    fund(account("supplier", supplier.pk, "pending"), 4200)
    response = staff.get(STATEMENT, {"owner": f"supplier:{supplier.pk}", "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["汇总", "待结算"]


@pytest.mark.parametrize("params", [
    {"owner": "supplier"}, {"owner": "gateway:0"}, {"owner": "supplier:abc"},
    {"owner": "supplier:{pk}", "from": "2026-13-01"}, {"owner": "supplier:{pk}", "format": "pdf"},
    {"owner": "supplier:{pk}", "date_from": "2026-02-01", "date_to": "2026-01-01"},
    {"owner": "supplier:{pk}", "date_from": "2024-01-01", "date_to": "2026-01-01"},
])
def test_bad_statement_queries_answer_400_or_422(staff, supplier, params):
    response = staff.get(STATEMENT, {k: v.format(pk=supplier.pk) for k, v in params.items()})
    assert response.status_code in (400, 422)
    assert response.json()["code"] == "invalid_input"


def test_a_supplier_withdraws_over_the_api_and_a_replay_is_one_withdrawal(staff, supplier):
    fund(account("supplier", supplier.pk, "available"), 50000)
    body = {"owner": f"supplier:{supplier.pk}", "amount": "150.00", "key": "req-1"}

    first = staff.post(WITHDRAWALS, body, content_type="application/json")
    state = ledger_state()
    again = staff.post(WITHDRAWALS, body, content_type="application/json")

    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["amount"], first.json()["status"]) == ("150.00", "requested")
    assert ledger_state() == state
    assert Withdrawal.objects.count() == 1


def test_a_supplier_cannot_withdraw_another_suppliers_money(staff):
    other = t.make_supplier()
    fund(account("supplier", other.pk, "available"), 50000)
    state = ledger_state()

    response = staff.post(WITHDRAWALS, {"owner": f"supplier:{other.pk}", "amount": "100.00", "key": "x"},
                          content_type="application/json")

    assert response.status_code == 404
    assert ledger_state() == state
    assert Withdrawal.objects.count() == 0


@pytest.mark.parametrize("body,status,code", [
    ({"owner": "promoter:1", "amount": "100.00", "key": "k"}, 400, "invalid_input"),
    ({"owner": "supplier:{pk}", "amount": "1.234", "key": "k"}, 400, "invalid_input"),
    ({"owner": "supplier:{pk}", "amount": "100000.00", "key": "k"}, 409, "insufficient_balance"),
    ({"owner": "supplier:{pk}", "amount": "100.00"}, 422, "invalid_input"),
])
def test_a_refused_withdrawal_moves_nothing(staff, supplier, body, status, code):
    fund(account("supplier", supplier.pk, "available"), 50000)
    body = {k: v.format(pk=supplier.pk) for k, v in body.items()}
    state = ledger_state()

    response = staff.post(WITHDRAWALS, body, content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert ledger_state() == state
