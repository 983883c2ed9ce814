"""Pytest support for every app's tests (registered in the root conftest.py).

On SQLite the ledger's append-only triggers refuse the `DELETE FROM …` that Django's flush runs
after a transactional test. This fixture empties the ledger tables first, lifting the delete
guards for that one transaction only (see `ledger.dbguards.purge_for_test_flush`). It runs
before the flush because it is set up after pytest-django's database fixture.
"""

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _ledger_rows_purged_after_transactional_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "_django_db_helper" not in request.fixturenames:
        return  # the test had no database
    from django.db import connections

    from linkmall.ledger.dbguards import purge_for_test_flush

    for connection in connections.all():
        # a plain django_db test runs inside an atomic block that is rolled back, not flushed
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            purge_for_test_flush(connection)
