import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from linkmall.accounts.models import Role, Tenant, User
from linkmall.core import clock
from linkmall.core.errors import InvalidInput, NotFound, PermissionDenied
from linkmall.ledger.services import Line, posting_write
from linkmall.ledger.statements import statement_build, statement_for, statement_xlsx

from .helpers import account, gateway_cash

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> None:
    clock.freeze(datetime.fromisoformat(text).replace(tzinfo=SHANGHAI))


def supplier_history(supplier_id: int = 11) -> None:
    """Feb: 100.00 earned. March: 60.00 settled on the 1st at midnight, 25.00 earned on the 31st
    at 23:59:59, 10.00 withdrawn. April 1st 00:00: 5.00 earned (outside March)."""
    cash = gateway_cash()
    pending = account("supplier", supplier_id, "pending")
    available = account("supplier", supplier_id, "available")
    withdrawn = account("supplier", supplier_id, "withdrawn")
    at("2026-02-14 12:00:00")
    posting_write(key=f"o1:{supplier_id}", kind="order_paid", reference="1001",
                  lines=[Line(cash, -10000, True), Line(pending, 10000)])
    at("2026-03-01 00:00:00")
    posting_write(key=f"s1:{supplier_id}", kind="settlement", memo="结算 1001", reference="1001",
                  lines=[(pending, -6000), (available, 6000)])
    at("2026-03-20 09:30:00")
    posting_write(key=f"w1:{supplier_id}", kind="withdrawal", lines=[(available, -1000), (withdrawn, 1000)])
    at("2026-03-31 23:59:59")
    posting_write(key=f"o2:{supplier_id}", kind="order_paid", reference="1002",
                  lines=[Line(cash, -2500, True), Line(pending, 2500)])
    at("2026-04-01 00:00:00")
    posting_write(key=f"o3:{supplier_id}", kind="order_paid", reference="1003",
                  lines=[Line(cash, -500, True), Line(pending, 500)])


def test_a_supplier_statement_has_opening_lines_and_closing_per_bucket():
    supplier_history()
    supplier_history(supplier_id=12)  # another supplier's money stays out of it

    statement = statement_build(owner_kind="supplier", owner_id=11,
                                date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))

    summary = [(s.bucket, s.opening_fen, s.credits_fen, s.debits_fen, s.closing_fen) for s in statement.buckets]
    assert summary == [
        ("pending", 10000, 2500, -6000, 6500),
        ("available", 0, 6000, -1000, 5000),
        ("withdrawn", 0, 1000, 0, 1000),
    ]
    pending = statement.buckets[0]
    assert [(ln.kind, ln.reference, ln.amount_fen, ln.balance_after_fen) for ln in pending.lines] == [
        ("settlement", "1001", -6000, 4000),
        ("order_paid", "1002", 2500, 6500),
    ]
    assert pending.lines[0].memo == "结算 1001"
    assert pending.lines[0].at == datetime(2026, 3, 1, tzinfo=SHANGHAI)


def test_a_statement_reads_in_three_queries_however_many_lines(django_assert_num_queries):
    supplier_history()
    with django_assert_num_queries(3):
        statement_build(owner_kind="supplier", owner_id=11, date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))


def test_an_owner_without_accounts_gets_an_empty_statement():
    statement = statement_build(owner_kind="merchant", owner_id=99, date_from=date(2026, 3, 1),
                                date_to=date(2026, 3, 31))
    assert statement.buckets == []


@pytest.mark.parametrize(
    ("owner_kind", "date_from", "date_to"),
    [
        ("gateway", date(2026, 3, 1), date(2026, 3, 31)),
        ("supplier", date(2026, 3, 31), date(2026, 3, 1)),
        ("supplier", date(2025, 1, 1), date(2026, 3, 1)),
        ("supplier", "2026-03-01", date(2026, 3, 1)),
    ],
)
def test_a_statement_for_a_wrong_owner_or_range_is_refused(owner_kind, date_from, date_to):
    with pytest.raises(InvalidInput):
        statement_build(owner_kind=owner_kind, owner_id=11, date_from=date_from, date_to=date_to)


def test_the_excel_statement_has_exact_amounts_in_yuan():
    supplier_history()
    statement = statement_build(owner_kind="supplier", owner_id=11, date_from=date(2026, 3, 1),
                                date_to=date(2026, 3, 31))

    book = load_workbook(io.BytesIO(statement_xlsx(statement)))

    assert book.sheetnames == ["汇总", "待结算", "可提现", "已提现"]
    summary = [tuple(row) for row in book["汇总"].iter_rows(min_row=5, values_only=True)]
    assert summary == [
        ("待结算", 100, 25, -60, 65, 2),
        ("可提现", 0, 60, -10, 50, 2),
        ("已提现", 0, 10, 0, 10, 1),
    ]
    pending = [tuple(row) for row in book["待结算"].iter_rows(min_row=2, values_only=True)]
    assert pending[0][1:6] == ("期初余额", None, None, None, 100)
    assert pending[1][:6] == ("2026-03-01 00:00:00", "settlement", "1001", "结算 1001", -60, 40)
    assert pending[2][:6] == ("2026-03-31 23:59:59", "order_paid", "1002", None, 25, 65)
    assert pending[3][1:6] == ("期末余额", None, None, None, 65)


def test_the_excel_statement_keeps_fen_exact():
    target = account("merchant", 5, "available")
    at("2026-03-02 08:00:00")
    posting_write(key="k", kind="order_paid", lines=[Line(gateway_cash(), -1, True), Line(target, 1)])
    statement = statement_build(owner_kind="merchant", owner_id=5, date_from=date(2026, 3, 1),
                                date_to=date(2026, 3, 31))
    sheet = load_workbook(io.BytesIO(statement_xlsx(statement)))["可提现"]
    assert Decimal(str(sheet["E3"].value)) == Decimal("0.01")
    assert sheet["E3"].number_format == "#,##0.00"


def staff(role: str, kind: str) -> tuple[User, int]:
    tenant = Tenant.objects.create(kind=kind, name=f"{kind} tenant")
    user = User.objects.create_user(username=f"{role}-{tenant.pk}", role=role, tenant=tenant)
    return user, tenant.pk


def test_supplier_staff_read_their_own_statement_only():
    me, my_supplier_id = staff(Role.SUPPLIER_STAFF, Tenant.Kind.SUPPLIER)
    _, other_supplier_id = staff(Role.SUPPLIER_STAFF, Tenant.Kind.SUPPLIER)
    supplier_history(my_supplier_id)
    supplier_history(other_supplier_id)
    march = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}

    mine = statement_for(actor=me, owner_kind="supplier", owner_id=my_supplier_id, **march)
    assert [s.closing_fen for s in mine.buckets] == [6500, 5000, 1000]
    with pytest.raises(NotFound):
        statement_for(actor=me, owner_kind="supplier", owner_id=other_supplier_id, **march)


def test_merchant_owners_cannot_read_supplier_statements_and_only_their_own_merchant_statement():
    owner, merchant_id = staff(Role.MERCHANT_OWNER, Tenant.Kind.MERCHANT)
    _, other_merchant_id = staff(Role.MERCHANT_OWNER, Tenant.Kind.MERCHANT)
    march = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}

    assert statement_for(actor=owner, owner_kind="merchant", owner_id=merchant_id, **march).buckets == []
    with pytest.raises(NotFound):
        statement_for(actor=owner, owner_kind="merchant", owner_id=other_merchant_id, **march)
    with pytest.raises(PermissionDenied):
        statement_for(actor=owner, owner_kind="supplier", owner_id=merchant_id, **march)
    with pytest.raises(PermissionDenied):
        statement_for(actor=owner, owner_kind="platform", owner_id=0, **march)


def test_a_promoter_reads_only_their_own_statement_and_platform_staff_read_any():
    promoter = User.objects.create_user(username="promoter", role=Role.CONSUMER)
    platform = User.objects.create_user(username="ops", role=Role.PLATFORM)
    march = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}

    statement_for(actor=promoter, owner_kind="promoter", owner_id=promoter.pk, **march)
    with pytest.raises(NotFound):
        statement_for(actor=promoter, owner_kind="promoter", owner_id=promoter.pk + 1, **march)
    statement_for(actor=platform, owner_kind="promoter", owner_id=promoter.pk + 1, **march)
    statement_for(actor=platform, owner_kind="supplier", owner_id=123, **march)


def test_the_statement_command_writes_an_excel_file(tmp_path, capsys):
    supplier_history()
    target = tmp_path / "s.xlsx"

    call_command("ledger", "statement", "--owner", "supplier:11", "--from", "2026-03-01", "--to", "2026-03-31",
                 "--xlsx", str(target))

    out = capsys.readouterr().out
    assert "pending    opening       100.00  in        25.00  out       -60.00  closing        65.00  lines 2" in out
    assert f"wrote {target}" in out
    assert load_workbook(target).sheetnames == ["汇总", "待结算", "可提现", "已提现"]


@pytest.mark.parametrize(
    ("owner", "date_from", "date_to", "message"),
    [
        ("supplier", "2026-03-01", "2026-03-31", "--owner must look like supplier:12"),
        ("bank:1", "2026-03-01", "2026-03-31", "--owner must look like supplier:12"),
        ("supplier:1", "March", "2026-03-31", "--from must be a date"),
        ("supplier:1", "2026-03-31", "2026-03-01", "date_to is before date_from"),
    ],
)
def test_the_statement_command_explains_bad_arguments(owner, date_from, date_to, message):
    with pytest.raises(CommandError, match=message):
        call_command("ledger", "statement", "--owner", owner, "--from", date_from, "--to", date_to)
