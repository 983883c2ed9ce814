import pytest

from linkmall.core import clock

# the ledger's append-only triggers need emptying before the SQLite test flush
pytest_plugins = ["linkmall.ledger.pytest_plugin"]


@pytest.fixture(autouse=True)
def _reset_clock():
    clock.reset()
    yield
    clock.reset()
