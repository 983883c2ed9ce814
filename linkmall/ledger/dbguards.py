"""What the database itself refuses, so ledger history holds even against raw SQL and buggy code.

1. A posting that does not balance cannot be written. Entries are inserted first; the posting row
   is inserted last and seals them: its BEFORE INSERT trigger refuses it unless its entries are at
   least two, as many as `line_count`, and sum to zero. Entries cannot be added to a posting that
   already exists. Entries whose posting never comes fail the (deferred) foreign key at commit.
   PostgreSQL also re-checks every posting's sum at commit (a deferred constraint trigger), which
   catches entries slipped in by a concurrent transaction.
2. Postings and entries are append-only: UPDATE and DELETE are refused. Accounts cannot be
   deleted or change owner or bucket; only `balance_fen` moves.

Errors are integrity errors (SQLite RAISE(ABORT) → SQLITE_CONSTRAINT; PostgreSQL SQLSTATE 23xxx),
so Django raises `IntegrityError`.

PostgreSQL TRUNCATE is not guarded: Django's test flush uses it, and it needs table ownership,
which the application role should not have in production (see README). On SQLite the test flush
deletes rows, so `purge_for_test_flush` lifts the guards for one transaction in test teardown.

The SQL below shipped in migration 0002. Do not edit it in place: add a new version and a new
migration that replaces the triggers.
"""

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

SQLITE_DELETE_GUARDS = {
    "ledger_entry_no_delete": """
        CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry
        BEGIN SELECT RAISE(ABORT, 'ledger: entries are append-only; write a reversing posting'); END
    """,
    "ledger_posting_no_delete": """
        CREATE TRIGGER ledger_posting_no_delete BEFORE DELETE ON ledger_posting
        BEGIN SELECT RAISE(ABORT, 'ledger: postings are append-only; write a reversing posting'); END
    """,
    "ledger_account_no_delete": """
        CREATE TRIGGER ledger_account_no_delete BEFORE DELETE ON ledger_ledgeraccount
        BEGIN SELECT RAISE(ABORT, 'ledger: accounts cannot be deleted'); END
    """,
}

SQLITE_GUARDS = {
    "ledger_entry_into_open_posting_only": """
        CREATE TRIGGER ledger_entry_into_open_posting_only BEFORE INSERT ON ledger_entry
        WHEN EXISTS (SELECT 1 FROM ledger_posting WHERE id = NEW.posting_id)
        BEGIN SELECT RAISE(ABORT, 'ledger: entries cannot be added to a posting already written'); END
    """,
    "ledger_posting_balanced": """
        CREATE TRIGGER ledger_posting_balanced BEFORE INSERT ON ledger_posting
        WHEN (SELECT COUNT(*) FROM ledger_entry WHERE posting_id = NEW.id) < 2
          OR (SELECT COUNT(*) FROM ledger_entry WHERE posting_id = NEW.id) <> NEW.line_count
          OR (SELECT COALESCE(SUM(amount_fen), 0) FROM ledger_entry WHERE posting_id = NEW.id) <> 0
        BEGIN SELECT RAISE(ABORT, 'ledger: a posting needs line_count (>= 2) entries that sum to zero'); END
    """,
    "ledger_entry_no_update": """
        CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
        BEGIN SELECT RAISE(ABORT, 'ledger: entries are append-only; write a reversing posting'); END
    """,
    "ledger_posting_no_update": """
        CREATE TRIGGER ledger_posting_no_update BEFORE UPDATE ON ledger_posting
        BEGIN SELECT RAISE(ABORT, 'ledger: postings are append-only; write a reversing posting'); END
    """,
    "ledger_account_identity_fixed": """
        CREATE TRIGGER ledger_account_identity_fixed BEFORE UPDATE ON ledger_ledgeraccount
        WHEN NEW.owner_kind IS NOT OLD.owner_kind OR NEW.owner_id IS NOT OLD.owner_id
          OR NEW.bucket IS NOT OLD.bucket OR NEW.id IS NOT OLD.id
        BEGIN SELECT RAISE(ABORT, 'ledger: an account keeps its owner and bucket'); END
    """,
    **SQLITE_DELETE_GUARDS,
}

POSTGRESQL_INSTALL = r"""
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: % on % refused: ledger history is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE FUNCTION ledger_entry_into_open_posting_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_posting WHERE id = NEW.posting_id) THEN
        RAISE EXCEPTION 'ledger: entries cannot be added to posting % already written', NEW.posting_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION ledger_posting_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    total numeric;
BEGIN
    SELECT count(*), COALESCE(sum(amount_fen), 0) INTO n, total FROM ledger_entry WHERE posting_id = NEW.id;
    IF n < 2 OR n <> NEW.line_count OR total <> 0 THEN
        RAISE EXCEPTION 'ledger: posting % has % entries (line_count %) summing to %, refused',
            NEW.id, n, NEW.line_count, total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION ledger_entry_balanced_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total numeric;
BEGIN
    SELECT COALESCE(sum(amount_fen), 0) INTO total FROM ledger_entry WHERE posting_id = NEW.posting_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger: posting % sums to % at commit, refused', NEW.posting_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ledger_entry_into_open_posting_only BEFORE INSERT ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_into_open_posting_only();
CREATE TRIGGER ledger_posting_balanced BEFORE INSERT ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_posting_balanced();
CREATE CONSTRAINT TRIGGER ledger_entry_balanced_at_commit AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced_at_commit();
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_posting_append_only BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_account_no_delete BEFORE DELETE ON ledger_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_account_identity_fixed BEFORE UPDATE ON ledger_ledgeraccount
    FOR EACH ROW WHEN (NEW.owner_kind IS DISTINCT FROM OLD.owner_kind OR NEW.owner_id IS DISTINCT FROM OLD.owner_id
                       OR NEW.bucket IS DISTINCT FROM OLD.bucket OR NEW.id IS DISTINCT FROM OLD.id)
    EXECUTE FUNCTION ledger_refuse_change();
"""

POSTGRESQL_UNINSTALL = """
DROP TRIGGER IF EXISTS ledger_account_identity_fixed ON ledger_ledgeraccount;
DROP TRIGGER IF EXISTS ledger_account_no_delete ON ledger_ledgeraccount;
DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry;
DROP TRIGGER IF EXISTS ledger_entry_balanced_at_commit ON ledger_entry;
DROP TRIGGER IF EXISTS ledger_posting_balanced ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_entry_into_open_posting_only ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_entry_balanced_at_commit();
DROP FUNCTION IF EXISTS ledger_posting_balanced();
DROP FUNCTION IF EXISTS ledger_entry_into_open_posting_only();
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in SQLITE_GUARDS.values():
                cursor.execute(sql)
        elif connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_INSTALL)
        else:
            raise NotImplementedError(f"ledger guards are not written for {connection.vendor}")


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in reversed(SQLITE_GUARDS):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_UNINSTALL)


def purge_for_test_flush(connection: BaseDatabaseWrapper) -> None:
    """Empty the ledger tables so the test runner's flush (DELETE FROM … on SQLite) is not refused.

    Tests only: the delete guards are dropped and re-created in the same transaction, so nobody
    ever sees a ledger without them. PostgreSQL's flush uses TRUNCATE, which needs nothing.
    """
    if connection.vendor != "sqlite":
        return
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for name in SQLITE_DELETE_GUARDS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute("DELETE FROM ledger_entry")
        cursor.execute("DELETE FROM ledger_posting")
        cursor.execute("DELETE FROM ledger_ledgeraccount")
        for sql in SQLITE_DELETE_GUARDS.values():
            cursor.execute(sql)
