import pytest

from linkmall.core import clock

# the ledger's append-only triggers need emptying before the SQLite test flush
pytest_plugins = ["linkmall.ledger.pytest_plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--without-row-locks", action="store_true",
        help="turn every SELECT … FOR UPDATE into a plain SELECT, to check that the row_locks races catch it "
             "(on PostgreSQL each of `pytest -m row_locks --without-row-locks` must fail)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--without-row-locks"):
        from django.db.models.query import QuerySet

        QuerySet.select_for_update = lambda self, *args, **kwargs: self  # type: ignore[method-assign]


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """Say where the row-lock races had teeth, so a green SQLite run is not read as proof of the locks."""
    from django.db import connection

    ran = [report for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
           if report.when == "call" and "row_locks" in report.keywords]
    if not ran:
        return
    if connection.vendor == "postgresql":
        terminalreporter.write_line(f"{len(ran)} row-lock races ran on PostgreSQL, where a missing lock fails them.")
    else:
        terminalreporter.write_line(
            f"{len(ran)} row-lock races ran on {connection.vendor}, which cannot catch a missing row lock; "
            "they have teeth on PostgreSQL (DATABASE_URL=postgresql://… make test)."
        )


@pytest.fixture(autouse=True)
def _reset_clock():
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A test that switches the language (a page in English, `translation.activate`) must not
    leave it switched for whichever test its worker runs next."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def playwright():
    """Playwright's sync API, for the browser tests (which drive Debian's chromium: see
    linkmall/web/tests/browser.py). It runs an event loop in this thread; the ORM calls a test makes
    between browser steps are ordinary synchronous calls, so Django's async guard is lifted."""
    import os

    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        yield p
