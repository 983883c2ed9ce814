import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from linkmall.ledger.selectors import AccountMismatch, ledger_verify
from linkmall.ledger.services import posting_write

from .helpers import account, fund, gateway_cash

pytestmark = pytest.mark.django_db


def test_a_ledger_written_by_the_services_verifies_clean():
    a, b = account(owner_id=1), account(owner_id=2)
    fund(a, 700)
    posting_write(key="t", kind="transfer", lines=[(a, -200), (b, 200)])

    report = ledger_verify()

    assert report.ok
    assert (report.accounts_checked, report.postings_checked, report.total_balance_fen) == (3, 2, 0)


def test_a_balance_changed_behind_the_ledgers_back_is_reported():
    target = account()
    fund(target, 700)
    with connection.cursor() as cursor:  # balances are not history, so the database lets this through
        cursor.execute("UPDATE ledger_ledgeraccount SET balance_fen = 9999 WHERE id = %s", [target.pk])

    report = ledger_verify()

    assert not report.ok
    assert report.mismatched_accounts == [AccountMismatch(target.pk, "supplier:1:available", 9999, 700)]
    assert report.total_balance_fen == 9999 - 700


def test_the_audit_reads_in_three_queries(django_assert_num_queries):
    for n in range(5):
        fund(account(owner_id=n + 1), 100)
    with django_assert_num_queries(3):
        ledger_verify()


def test_the_verify_command_says_ok_or_fails(capsys):
    target = account()
    fund(target, 700)
    call_command("ledger", "verify")
    assert capsys.readouterr().out.splitlines() == ["2 accounts, 1 postings, total balance 0 fen", "ok"]

    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_ledgeraccount SET balance_fen = 1 WHERE id = %s", [gateway_cash().pk])
    with pytest.raises(CommandError, match="the ledger does not balance"):
        call_command("ledger", "verify")
    assert "account gateway:cash: balance 1 ≠ entries -700" in capsys.readouterr().out
