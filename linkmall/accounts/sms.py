"""Sending login codes by SMS through a pluggable backend (settings.LINKMALL["SMS_BACKEND"]).

A production backend subclasses `SmsBackend` and wraps a provider (Aliyun, Tencent Cloud …);
it raises `SmsSendError` when the provider refuses, so the request is rolled back and the
user's quota is not spent on a message that never left.
"""

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("linkmall.sms")


class SmsSendError(Exception):
    """The provider did not accept the message."""


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    code: str
    text: str


class SmsBackend:
    def send_code(self, *, phone: str, code: str, ttl_seconds: int) -> None:
        raise NotImplementedError


class LogSmsBackend(SmsBackend):
    """Development backend: writes the code to the "linkmall.sms" log and keeps it in `outbox`.

    `outbox` is shared by the process so tests can read the code a request sent.
    """

    outbox: list[SmsMessage] = []
    _lock = threading.Lock()

    def send_code(self, *, phone: str, code: str, ttl_seconds: int) -> None:
        minutes = max(1, ttl_seconds // 60)
        text = f"【链动商城】您的登录验证码是 {code}，{minutes} 分钟内有效。如非本人操作请忽略。"
        with self._lock:
            LogSmsBackend.outbox.append(SmsMessage(phone=phone, code=code, text=text))
        logger.info("SMS to %s: %s", phone, text)

    @classmethod
    def last_code_for(cls, phone: str) -> str | None:
        for message in reversed(cls.outbox):
            if message.phone == phone:
                return message.code
        return None

    @classmethod
    def clear(cls) -> None:
        with cls._lock:
            cls.outbox.clear()


@lru_cache(maxsize=8)
def _backend(path: str) -> SmsBackend:
    return import_string(path)()


def get_sms_backend() -> SmsBackend:
    return _backend(settings.LINKMALL["SMS_BACKEND"])
