"""The database itself refuses unbalanced postings and changes to history, even from raw SQL."""

import threading
import uuid

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction

from linkmall.ledger.models import AppendOnly, Entry, LedgerAccount, Posting
from linkmall.ledger.selectors import ledger_verify

from .helpers import account, fund, gateway_cash, ledger_state

AT = "2026-03-01 10:00:00"


def insert_entry(cursor, posting_id: str, account_id: int, amount_fen: int, line_no: int) -> None:
    cursor.execute(
        "INSERT INTO ledger_entry (posting_id, account_id, amount_fen, line_no, created_at) VALUES (%s, %s, %s, %s, %s)",
        [posting_id, account_id, amount_fen, line_no, AT],
    )


def insert_posting(cursor, posting_id: str, line_count: int, key: str = "raw") -> None:
    cursor.execute(
        "INSERT INTO ledger_posting (id, key, kind, memo, reference, line_count, fingerprint, created_at)"
        " VALUES (%s, %s, 'raw', '', '', %s, '', %s)",
        [posting_id, key, line_count, AT],
    )


def new_posting_id() -> str:
    return uuid.uuid4().hex  # the form Django stores on SQLite; PostgreSQL's uuid type accepts it too


@pytest.mark.django_db
class TestUnbalancedPostingsAreRefusedByTheDatabase:
    def test_a_balanced_posting_written_in_raw_sql_is_accepted(self):
        a, b = account(owner_id=1), account(owner_id=2)
        pid = new_posting_id()
        with connection.cursor() as cursor:
            insert_entry(cursor, pid, a.pk, 100, 1)
            insert_entry(cursor, pid, b.pk, -100, 2)
            insert_posting(cursor, pid, 2)
        assert Posting.objects.filter(key="raw").count() == 1

    def test_entries_that_do_not_sum_to_zero_cannot_be_sealed_by_a_posting(self):
        a, b = account(owner_id=1), account(owner_id=2)
        before = ledger_state()
        pid = new_posting_id()
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            insert_entry(cursor, pid, a.pk, 100, 1)
            insert_entry(cursor, pid, b.pk, -99, 2)
            insert_posting(cursor, pid, 2)
        assert ledger_state() == before

    def test_a_posting_with_no_entries_or_a_single_entry_is_refused(self):
        a = account()
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            insert_posting(cursor, new_posting_id(), 0)
        pid = new_posting_id()
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            insert_entry(cursor, pid, a.pk, 5, 1)
            insert_posting(cursor, pid, 1)
        assert (Posting.objects.count(), Entry.objects.count()) == (0, 0)

    def test_a_posting_must_seal_exactly_the_entries_it_declares(self):
        a, b = account(owner_id=1), account(owner_id=2)
        pid = new_posting_id()
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            insert_entry(cursor, pid, a.pk, 100, 1)
            insert_entry(cursor, pid, b.pk, -100, 2)
            insert_posting(cursor, pid, 3)
        assert Posting.objects.count() == 0

    def test_entries_cannot_be_added_to_a_posting_already_written_even_if_they_balance(self):
        a, b = account(owner_id=1), account(owner_id=2)
        posting = fund(a, 100)
        before = ledger_state()
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            insert_entry(cursor, posting.pk.hex, b.pk, 7, 3)
            insert_entry(cursor, posting.pk.hex, a.pk, -7, 4)
        assert ledger_state() == before

    def test_a_zero_entry_is_refused(self):
        a = account()
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            insert_entry(cursor, new_posting_id(), a.pk, 0, 1)


@pytest.mark.django_db
class TestHistoryIsAppendOnly:
    def setup_method(self):
        self.target = account()
        self.posting = fund(self.target, 100)

    @pytest.mark.parametrize(
        "sql",
        [
            "UPDATE ledger_entry SET amount_fen = amount_fen * 2",
            "DELETE FROM ledger_entry",
            "UPDATE ledger_posting SET memo = 'rewritten'",
            "DELETE FROM ledger_posting",
            "DELETE FROM ledger_ledgeraccount",
            "UPDATE ledger_ledgeraccount SET owner_id = owner_id + 1",
            "UPDATE ledger_ledgeraccount SET bucket = 'withdrawn' WHERE bucket = 'available'",
        ],
    )
    def test_raw_sql_cannot_change_or_delete_history(self, sql):
        before = ledger_state()
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        assert ledger_state() == before
        assert Posting.objects.get().memo == ""

    def test_the_orm_refuses_to_save_or_delete_a_written_posting_or_entry(self):
        entry = self.posting.entries.first()
        before = ledger_state()
        self.posting.memo = "rewritten"
        with pytest.raises(AppendOnly):
            self.posting.save()
        with pytest.raises(AppendOnly):
            entry.delete()
        with pytest.raises(AppendOnly):
            Entry.objects.filter(pk=entry.pk).update(amount_fen=1)
        with pytest.raises(AppendOnly):
            Posting.objects.all().delete()
        assert ledger_state() == before

    def test_balances_can_still_move_through_the_services(self):
        # the account guard keeps identity fixed but lets balance_fen change
        assert LedgerAccount.objects.get(pk=self.target.pk).balance_fen == 100
        fund(self.target, 1)
        assert LedgerAccount.objects.get(pk=self.target.pk).balance_fen == 101


@pytest.mark.django_db(transaction=True)
def test_entries_whose_posting_never_comes_are_refused_at_commit():
    a, b = account(owner_id=1), account(owner_id=2)
    before = ledger_state()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        insert_entry(cursor, new_posting_id(), a.pk, 100, 1)
        insert_entry(cursor, new_posting_id(), b.pk, -100, 1)
    assert ledger_state() == before


@pytest.mark.django_db(transaction=True)
def test_an_entry_slipped_into_a_posting_another_transaction_is_writing_never_commits() -> None:
    """The stray writer inserts an entry for posting X before X exists; X is then written, balanced.

    On PostgreSQL both run at once: X commits first and the stray commit is refused by the
    deferred sum check. SQLite serializes writers, so the stray transaction commits first and is
    refused by the foreign key (X does not exist yet). Either way X keeps exactly its two entries.
    """
    a, b, cash = account(owner_id=1), account(owner_id=2), gateway_cash()
    pid = new_posting_id()
    stray_inserted, sealed = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}
    interleave = connection.vendor == "postgresql"

    def stray():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                insert_entry(cursor, pid, cash.pk, 5, 9)
                stray_inserted.set()
                if interleave:
                    sealed.wait()
            outcome["stray"] = "committed"
        except IntegrityError:
            outcome["stray"] = "refused"
        finally:
            stray_inserted.set()
            close_old_connections()
            connection.close()

    def sealer():
        stray_inserted.wait()
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                insert_entry(cursor, pid, a.pk, 100, 1)
                insert_entry(cursor, pid, b.pk, -100, 2)
                insert_posting(cursor, pid, 2)
            outcome["sealer"] = "committed"
        finally:
            sealed.set()
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=stray), threading.Thread(target=sealer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcome == {"stray": "refused", "sealer": "committed"}
    assert sorted(Entry.objects.filter(posting_id=pid).values_list("amount_fen", flat=True)) == [-100, 100]
    assert ledger_verify().unbalanced_postings == []
