"""Races, run with real threads and real transactions (on SQLite the IMMEDIATE transactions
queue the writers; on PostgreSQL the guarded updates and row locks decide)."""

import threading
import time

import pytest
from django.db import OperationalError, connection, connections

from linkmall.accounts.models import SmsCode, User
from linkmall.accounts.services import password_login, sms_code_request, sms_codes, sms_login, wechat_login
from linkmall.accounts.sms import LogSmsBackend
from linkmall.core.errors import DomainError
from linkmall.testing import make_platform_user

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "13812345678"


def _retrying_shared_cache_locks(action):
    """The SQLite test database lives in memory with a shared cache, where a second writer gets
    "database table is locked" at once instead of waiting on the busy timeout as it does on the
    real (file) database. Waiting and starting the transaction again is what the busy timeout
    would do; any other error goes through."""
    for _ in range(1000):
        try:
            return action()
        except OperationalError as exc:
            if "database table is locked" not in str(exc):
                raise
            connection.close()
            time.sleep(0.005)
    raise AssertionError("the test database stayed locked")


def run_together(count: int, action) -> list[tuple[str, object]]:
    """Start `count` threads at once, each running action(thread index); each answers ("ok", value)
    or ("refused", error code)."""
    start = threading.Barrier(count)
    results: list[tuple[str, object]] = []
    lock = threading.Lock()

    def worker(index: int):
        outcome: tuple[str, object] = ("crashed", None)
        try:
            start.wait(timeout=10)
            outcome = ("ok", _retrying_shared_cache_locks(lambda: action(index)))
        except DomainError as exc:
            outcome = ("refused", exc.code)
        except Exception as exc:  # reported in the assertion, not lost in a thread
            outcome = ("crashed", repr(exc))
        finally:
            connections.close_all()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == count
    return sorted(results, key=lambda r: r[0])


def test_two_simultaneous_verifications_of_one_code_log_in_once(monkeypatch):
    sms_code_request(phone=PHONE)
    code = LogSmsBackend.last_code_for(PHONE)
    if connection.vendor == "postgresql":
        # Hold both requests after they read the unused code and matched it, so both reach the
        # guarded UPDATE of used_at together. (SQLite runs one writer at a time: no overlap to force.)
        both_matched = threading.Barrier(2)
        real_compare = sms_codes.constant_time_compare

        def compare_then_wait(a, b):
            matched = real_compare(a, b)
            both_matched.wait(timeout=10)
            return matched

        monkeypatch.setattr(sms_codes, "constant_time_compare", compare_then_wait)

    results = run_together(2, lambda _: sms_login(phone=PHONE, code=code).pk)

    user = User.objects.get(phone=PHONE)
    assert results == [("ok", user.pk), ("refused", "invalid_code")]
    assert User.objects.count() == 1
    assert SmsCode.objects.get().used_at is not None


def test_simultaneous_code_requests_send_one_code():
    results = run_together(4, lambda _: sms_code_request(phone=PHONE))
    assert results == [("ok", None)] + [("refused", "rate_limited")] * 3
    assert SmsCode.objects.count() == 1
    assert len(LogSmsBackend.outbox) == 1


def test_simultaneous_first_wechat_logins_create_one_consumer(settings):
    from linkmall.accounts.wechat import FakeWeChatClient

    settings.LINKMALL = {**settings.LINKMALL, "WECHAT_CLIENT": "linkmall.accounts.wechat.FakeWeChatClient"}
    for n in range(3):
        # once=False: a thread that finds the in-memory test database locked starts over
        FakeWeChatClient.register(f"code-{n}", openid="o-same", once=False)
    results = run_together(3, lambda n: wechat_login(code=f"code-{n}").pk)
    user = User.objects.get(wechat_openid="o-same")
    assert results == [("ok", user.pk)] * 3
    assert User.objects.count() == 1


def test_parallel_wrong_passwords_are_all_counted_and_lock_the_account():
    user = make_platform_user()
    results = run_together(5, lambda _: password_login(username=user.username, password="wrong password"))
    assert sorted(code for _, code in results) == ["invalid_credentials"] * 4 + ["login_locked"]
    user.refresh_from_db()
    assert user.login_locked_until is not None
