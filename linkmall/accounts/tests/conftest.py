import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from linkmall.accounts.sms import LogSmsBackend
from linkmall.accounts.wechat import FakeWeChatClient
from linkmall.core import clock

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clean_outboxes():
    LogSmsBackend.clear()
    FakeWeChatClient.clear()
    yield
    LogSmsBackend.clear()
    FakeWeChatClient.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings, request):
    """Argon2 is slow on purpose; these tests hash hundreds of passwords. A test that checks the
    production hasher asks for `production_hashers`."""
    if "production_hashers" not in request.fixturenames:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def production_hashers():
    return None


@pytest.fixture
def frozen_clock():
    clock.freeze(START)
    return clock


@pytest.fixture
def fake_wechat(settings):
    settings.LINKMALL = {**settings.LINKMALL, "WECHAT_CLIENT": "linkmall.accounts.wechat.FakeWeChatClient"}
    return FakeWeChatClient


@pytest.fixture(autouse=True)
def sms_backend(settings):
    settings.LINKMALL = {**settings.LINKMALL, "SMS_BACKEND": "linkmall.accounts.sms.LogSmsBackend"}
    return LogSmsBackend


class Api:
    """A JSON client for /api/v1 that answers (status, body)."""

    def __init__(self, client):
        self.client = client

    def post(self, path, body=None, *, token=None, **extra):
        if token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        response = self.client.post(
            f"/api/v1{path}", data=json.dumps(body or {}), content_type="application/json", **extra
        )
        return response.status_code, response.json()

    def get(self, path, *, token=None, **extra):
        if token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        response = self.client.get(f"/api/v1{path}", **extra)
        return response.status_code, response.json()


@pytest.fixture
def api(client):
    return Api(client)
