"""Races, run with real threads and real transactions (on SQLite the IMMEDIATE transactions
queue the writers; on PostgreSQL the guarded updates and row locks decide)."""

import threading

import pytest
from django.db import connection

from linkmall.accounts.models import SmsCode, User
from linkmall.accounts.services import password_login, sms_code_request, sms_codes, sms_login, wechat_login
from linkmall.accounts.sms import LogSmsBackend
from linkmall.testing import copies, make_platform_user, outcomes, race

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "13812345678"


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

    results = outcomes(race(*[lambda: sms_login(phone=PHONE, code=code).pk] * 2))

    user = User.objects.get(phone=PHONE)
    assert sorted(results, key=str) == [user.pk, "invalid_code"]
    assert User.objects.count() == 1
    assert SmsCode.objects.get().used_at is not None


def test_simultaneous_code_requests_send_one_code():
    results = outcomes(race(*[lambda: sms_code_request(phone=PHONE)] * 4))
    assert sorted(results, key=str) == [None] + ["rate_limited"] * 3
    assert SmsCode.objects.count() == 1
    assert len(LogSmsBackend.outbox) == 1


def test_simultaneous_first_wechat_logins_create_one_consumer(settings):
    from linkmall.accounts.wechat import FakeWeChatClient

    settings.LINKMALL = {**settings.LINKMALL, "WECHAT_CLIENT": "linkmall.accounts.wechat.FakeWeChatClient"}
    for n in range(3):
        FakeWeChatClient.register(f"code-{n}", openid="o-same", once=False)
    results = outcomes(race(*copies(lambda n: wechat_login(code=f"code-{n}").pk, 3)))
    user = User.objects.get(wechat_openid="o-same")
    assert results == [user.pk] * 3
    assert User.objects.count() == 1


@pytest.mark.row_locks
def test_parallel_wrong_passwords_are_all_counted_and_lock_the_account():
    user = make_platform_user()
    results = outcomes(race(*[lambda: password_login(username=user.username, password="wrong password")] * 5))
    assert sorted(results) == ["invalid_credentials"] * 4 + ["login_locked"]
    user.refresh_from_db()
    assert user.login_locked_until is not None
