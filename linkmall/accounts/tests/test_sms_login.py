from datetime import timedelta

import pytest

from linkmall.accounts.errors import (
    AccountDisabled,
    CodeExhausted,
    CodeExpired,
    InvalidCode,
    PasswordLoginRequired,
    SmsRateLimited,
    SmsSendFailed,
)
from linkmall.accounts.models import Role, SmsCode, SmsThrottle, User
from linkmall.accounts.services import consumer_phone_bind, sms_code_request, sms_login
from linkmall.accounts.sms import LogSmsBackend, SmsBackend, SmsSendError
from linkmall.core import clock
from linkmall.testing import make_consumer, make_merchant, make_supplier, make_user

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def send_code(phone=PHONE) -> str:
    sms_code_request(phone=phone)
    code = LogSmsBackend.last_code_for(phone)
    assert code is not None, "no code was sent"
    return code


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_requested_code_is_six_digits_sent_by_sms_and_stored_only_as_a_hash(frozen_clock, caplog):
    with caplog.at_level("INFO", logger="linkmall.sms"):
        code = send_code()
    assert len(code) == 6 and code.isdigit()
    [message] = LogSmsBackend.outbox
    assert (message.phone, message.code) == (PHONE, code)
    assert code in message.text and "5 分钟" in message.text
    assert code in caplog.text
    row = SmsCode.objects.get()
    assert (row.phone, row.attempts, row.used_at) == (PHONE, 0, None)
    assert row.expires_at == clock.now() + timedelta(seconds=300)
    assert code not in row.code_hash


def test_the_right_code_logs_a_new_phone_in_as_a_new_consumer(frozen_clock):
    code = send_code()
    user = sms_login(phone=PHONE, code=code)
    assert (user.role, user.phone, user.last_login) == (Role.CONSUMER, PHONE, clock.now())
    assert SmsCode.objects.get().used_at == clock.now()
    assert User.objects.count() == 1


def test_the_right_code_logs_an_existing_consumer_in_as_themselves(frozen_clock):
    consumer = make_consumer(phone=PHONE)
    assert sms_login(phone=PHONE, code=send_code()).pk == consumer.pk
    assert User.objects.count() == 1


def test_a_code_works_only_once():
    code = send_code()
    sms_login(phone=PHONE, code=code)
    with pytest.raises(InvalidCode):
        sms_login(phone=PHONE, code=code)


def test_a_code_expires_after_its_time_to_live(frozen_clock):
    code = send_code()
    clock.advance(timedelta(seconds=300))
    with pytest.raises(CodeExpired) as exc:
        sms_login(phone=PHONE, code=code)
    assert exc.value.code == "code_expired"
    assert SmsCode.objects.get().used_at is None
    assert User.objects.count() == 0


def test_a_code_is_still_good_one_second_before_it_expires(frozen_clock):
    code = send_code()
    clock.advance(timedelta(seconds=299))
    assert sms_login(phone=PHONE, code=code).phone == PHONE


def test_wrong_codes_are_counted_and_after_five_the_code_is_dead(frozen_clock):
    code = send_code()
    for attempts_left in (4, 3, 2, 1, 0):
        with pytest.raises(InvalidCode) as exc:
            sms_login(phone=PHONE, code=wrong(code))
        assert exc.value.detail == {"field": "code", "attempts_left": attempts_left}
    with pytest.raises(CodeExhausted) as exc:
        sms_login(phone=PHONE, code=code)
    assert exc.value.code == "code_exhausted"
    assert SmsCode.objects.get().attempts == 5
    assert User.objects.count() == 0


def test_a_wrong_code_is_counted_even_inside_a_caller_transaction():
    from django.db import transaction

    code = send_code()
    with transaction.atomic(), pytest.raises(InvalidCode):
        sms_login(phone=PHONE, code=wrong(code))
    assert SmsCode.objects.get().attempts == 1


def test_only_the_newest_code_of_a_phone_counts(frozen_clock, monkeypatch):
    from types import SimpleNamespace

    from linkmall.accounts.services import sms_codes

    codes = iter([111111, 222222])
    monkeypatch.setattr(sms_codes, "secrets", SimpleNamespace(randbelow=lambda n: next(codes)))
    assert send_code() == "111111"
    clock.advance(timedelta(seconds=60))
    assert send_code() == "222222"
    with pytest.raises(InvalidCode):
        sms_login(phone=PHONE, code="111111")
    assert sms_login(phone=PHONE, code="222222").phone == PHONE


def test_a_code_for_one_phone_does_not_log_in_another():
    code = send_code()
    with pytest.raises(InvalidCode):
        sms_login(phone="13812340000", code=code)
    assert User.objects.count() == 0


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", " 12 34 "])
def test_malformed_codes_are_refused_without_spending_an_attempt(code):
    send_code()
    with pytest.raises(InvalidCode):
        sms_login(phone=PHONE, code=code)
    assert SmsCode.objects.get().attempts == 0


def test_logging_in_without_any_code_is_refused():
    with pytest.raises(InvalidCode):
        sms_login(phone=PHONE, code="123456")
    assert User.objects.count() == 0


def test_a_new_code_waits_for_the_resend_cooldown(frozen_clock):
    send_code()
    clock.advance(timedelta(seconds=59))
    with pytest.raises(SmsRateLimited) as exc:
        sms_code_request(phone=PHONE)
    assert (exc.value.code, exc.value.status) == ("rate_limited", 429)
    assert exc.value.detail == {"reason": "resend_cooldown", "retry_after_seconds": 1}
    assert SmsCode.objects.count() == 1
    assert len(LogSmsBackend.outbox) == 1
    clock.advance(timedelta(seconds=1))
    sms_code_request(phone=PHONE)
    assert SmsCode.objects.count() == 2


def test_a_phone_gets_at_most_five_codes_an_hour(frozen_clock):
    for _ in range(5):
        send_code()
        clock.advance(timedelta(minutes=10))
    # 50 minutes after the first code: the hour is full
    with pytest.raises(SmsRateLimited) as exc:
        sms_code_request(phone=PHONE)
    assert exc.value.detail == {"reason": "hourly_limit", "retry_after_seconds": 600}
    assert SmsCode.objects.count() == 5
    clock.advance(timedelta(minutes=10))  # the first code leaves the hour
    send_code()
    assert SmsCode.objects.count() == 6


def test_the_limits_are_per_phone(frozen_clock):
    send_code(PHONE)
    send_code("13812340000")
    assert [m.phone for m in LogSmsBackend.outbox] == [PHONE, "13812340000"]


def test_an_invalid_phone_gets_no_code():
    from linkmall.accounts.errors import InvalidPhone

    with pytest.raises(InvalidPhone):
        sms_code_request(phone="12345")
    assert (SmsCode.objects.count(), SmsThrottle.objects.count(), LogSmsBackend.outbox) == (0, 0, [])


class RefusingBackend(SmsBackend):
    def send_code(self, *, phone, code, ttl_seconds):
        raise SmsSendError("provider says no")


def test_a_code_the_provider_refused_is_not_stored_and_spends_no_quota(settings, frozen_clock):
    settings.LINKMALL = {**settings.LINKMALL,
                         "SMS_BACKEND": "linkmall.accounts.tests.test_sms_login.RefusingBackend"}
    with pytest.raises(SmsSendFailed) as exc:
        sms_code_request(phone=PHONE)
    assert (exc.value.code, exc.value.status) == ("sms_send_failed", 503)
    assert SmsCode.objects.count() == 0
    assert SmsThrottle.objects.count() == 0
    assert LogSmsBackend.outbox == []


def test_a_guide_logs_in_with_a_phone_code_as_the_guide():
    merchant = make_merchant()
    guide = make_user(role=Role.GUIDE, tenant_id=merchant.pk, phone=PHONE)
    assert sms_login(phone=PHONE, code=send_code()).pk == guide.pk


def test_supplier_staff_must_use_their_password_and_the_code_stays_unused():
    make_user(role=Role.SUPPLIER_STAFF, tenant_id=make_supplier().pk, phone=PHONE)
    with pytest.raises(PasswordLoginRequired) as exc:
        sms_login(phone=PHONE, code=send_code())
    assert exc.value.code == "password_login_required"
    assert SmsCode.objects.get().used_at is None


def test_a_disabled_consumer_cannot_log_in():
    make_user(role=Role.CONSUMER, phone=PHONE, is_active=False)
    with pytest.raises(AccountDisabled):
        sms_login(phone=PHONE, code=send_code())
    assert SmsCode.objects.get().used_at is None


def test_a_wechat_consumer_binds_a_phone_proved_by_its_code():
    user = make_user(role=Role.CONSUMER, wechat_openid="o-1", password=None)
    bound = consumer_phone_bind(user=user, phone=PHONE, code=send_code())
    user.refresh_from_db()
    assert (bound.phone, user.phone) == (PHONE, PHONE)


def test_a_phone_of_another_account_cannot_be_bound():
    from linkmall.accounts.errors import PhoneTaken

    make_consumer(phone=PHONE)
    user = make_user(role=Role.CONSUMER, wechat_openid="o-1", password=None)
    with pytest.raises(PhoneTaken):
        consumer_phone_bind(user=user, phone=PHONE, code=send_code())
    user.refresh_from_db()
    assert user.phone is None
    assert SmsCode.objects.get().used_at is None
