import io
import json
import urllib.error
import urllib.parse

import pytest

from linkmall.accounts.errors import WeChatLoginFailed, WeChatUnavailable
from linkmall.accounts.models import Role, User
from linkmall.accounts.services import wechat_login
from linkmall.accounts.wechat import HttpWeChatClient, WeChatError, parse_code2session
from linkmall.core import clock
from linkmall.core.errors import InvalidInput


@pytest.mark.django_db
def test_a_first_wechat_login_creates_a_consumer_for_the_openid(fake_wechat, frozen_clock):
    fake_wechat.register("wx-code-1", openid="o-abc", unionid="u-xyz")
    user = wechat_login(code="wx-code-1")
    assert (user.role, user.wechat_openid, user.wechat_unionid, user.phone) == (Role.CONSUMER, "o-abc", "u-xyz", None)
    assert user.has_usable_password() is False
    assert user.last_login == clock.now()


@pytest.mark.django_db
def test_the_next_wechat_login_finds_the_same_consumer(fake_wechat):
    fake_wechat.register("c1", openid="o-abc")
    fake_wechat.register("c2", openid="o-abc", unionid="u-late")
    first = wechat_login(code="c1")
    again = wechat_login(code="c2")
    assert again.pk == first.pk
    assert User.objects.get().wechat_unionid == "u-late"


@pytest.mark.django_db
def test_a_code_wechat_refuses_is_a_login_failure_and_creates_nobody(fake_wechat):
    fake_wechat.register("c1", openid="o-abc")
    wechat_login(code="c1")
    with pytest.raises(WeChatLoginFailed) as exc:
        wechat_login(code="c1")  # WeChat codes work once
    assert (exc.value.code, exc.value.status, exc.value.detail) == ("wechat_login_failed", 400, {"errcode": 40029})
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_wechat_being_down_is_a_503(settings):
    settings.LINKMALL = {**settings.LINKMALL, "WECHAT_CLIENT": "linkmall.accounts.tests.test_wechat.DownClient"}
    with pytest.raises(WeChatUnavailable) as exc:
        wechat_login(code="c1")
    assert (exc.value.code, exc.value.status) == ("wechat_unavailable", 503)
    assert User.objects.count() == 0


class DownClient:
    def code2session(self, code):
        raise WeChatError("timeout", transient=True)


@pytest.mark.parametrize("code", ["", "   ", "x" * 129])
def test_an_empty_or_absurd_code_never_reaches_wechat(code):
    with pytest.raises(InvalidInput):
        wechat_login(code=code)


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_the_http_client_asks_jscode2session_with_the_app_credentials(monkeypatch):
    asked = {}

    def urlopen(url, timeout):
        asked["url"], asked["timeout"] = url, timeout
        return FakeResponse(json.dumps({"openid": "o-1", "session_key": "sk", "unionid": "u-1"}).encode())

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    session = HttpWeChatClient(app_id="wx123", app_secret="s3cret").code2session("the-code")
    assert session == {"openid": "o-1", "session_key": "sk", "unionid": "u-1"}
    base, query = asked["url"].split("?")
    assert base == "https://api.weixin.qq.com/sns/jscode2session"
    assert urllib.parse.parse_qs(query) == {
        "appid": ["wx123"], "secret": ["s3cret"], "js_code": ["the-code"], "grant_type": ["authorization_code"]}
    assert asked["timeout"] == 5.0


def test_the_http_client_reports_network_failures_as_transient(monkeypatch):
    def urlopen(url, timeout):
        raise urllib.error.URLError("no route")

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    with pytest.raises(WeChatError) as exc:
        HttpWeChatClient(app_id="wx123", app_secret="s").code2session("c")
    assert exc.value.transient is True


def test_the_http_client_needs_credentials():
    with pytest.raises(WeChatError) as exc:
        HttpWeChatClient(app_id="", app_secret="").code2session("c")
    assert exc.value.transient is True


@pytest.mark.parametrize(
    ("body", "errcode", "transient"),
    [({"errcode": 40029, "errmsg": "invalid code"}, 40029, False), ({"errcode": 40163, "errmsg": "used"}, 40163, False),
     ({"errcode": 45011, "errmsg": "freq limit"}, 45011, True), ({"errcode": -1, "errmsg": "busy"}, -1, True),
     ({"session_key": "sk"}, None, True), (["not", "an", "object"], None, True)],
)
def test_wechat_error_answers_are_typed(body, errcode, transient):
    with pytest.raises(WeChatError) as exc:
        parse_code2session(body)
    assert (exc.value.errcode, exc.value.transient) == (errcode, transient)


def test_a_wechat_answer_without_unionid_has_none():
    assert parse_code2session({"openid": "o", "session_key": "k", "errcode": 0}) == {"openid": "o", "session_key": "k"}
