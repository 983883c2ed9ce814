"""WeChat mini-program login: exchange the `wx.login()` code for the user's openid.

The client is pluggable (settings.LINKMALL["WECHAT_CLIENT"]): `HttpWeChatClient` calls the real
jscode2session endpoint; `FakeWeChatClient` answers from codes the tests register.
"""

import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from functools import lru_cache
from typing import TypedDict

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("linkmall.wechat")

JSCODE2SESSION_URL = "https://api.weixin.qq.com/sns/jscode2session"


class WeChatSession(TypedDict, total=False):
    openid: str
    unionid: str
    session_key: str


class WeChatError(Exception):
    """WeChat answered with an error. `errcode` is WeChat's own (40029 invalid code, 40163 used
    code, 45011 rate limit, -1 system busy); `transient` says whether a retry may help."""

    def __init__(self, message: str, *, errcode: int | None = None, transient: bool = False):
        super().__init__(message)
        self.errcode = errcode
        self.transient = transient


#: WeChat error codes that mean "try again later" rather than "this code is bad"
TRANSIENT_ERRCODES = {-1, 45011}


class WeChatClient:
    def code2session(self, code: str) -> WeChatSession:
        raise NotImplementedError


class HttpWeChatClient(WeChatClient):
    def __init__(self, *, app_id: str | None = None, app_secret: str | None = None, timeout: float = 5.0):
        self.app_id = app_id if app_id is not None else settings.LINKMALL["WECHAT_APP_ID"]
        self.app_secret = app_secret if app_secret is not None else settings.LINKMALL["WECHAT_APP_SECRET"]
        self.timeout = timeout

    def code2session(self, code: str) -> WeChatSession:
        if not self.app_id or not self.app_secret:
            raise WeChatError("WECHAT_APP_ID and WECHAT_APP_SECRET are not configured", transient=True)
        query = urllib.parse.urlencode(
            {"appid": self.app_id, "secret": self.app_secret, "js_code": code, "grant_type": "authorization_code"}
        )
        try:
            with urllib.request.urlopen(f"{JSCODE2SESSION_URL}?{query}", timeout=self.timeout) as response:
                body = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            logger.warning("jscode2session failed: %s", exc)
            raise WeChatError(f"WeChat did not answer: {exc}", transient=True) from exc
        return parse_code2session(body)


def parse_code2session(body: object) -> WeChatSession:
    if not isinstance(body, dict):
        raise WeChatError("WeChat answered something that is not an object", transient=True)
    errcode = body.get("errcode") or 0
    if errcode:
        raise WeChatError(
            str(body.get("errmsg", "error")), errcode=int(errcode), transient=int(errcode) in TRANSIENT_ERRCODES
        )
    openid = body.get("openid")
    if not isinstance(openid, str) or not openid:
        raise WeChatError("WeChat answered without an openid", transient=True)
    session: WeChatSession = {"openid": openid, "session_key": str(body.get("session_key", ""))}
    if body.get("unionid"):
        session["unionid"] = str(body["unionid"])
    return session


class FakeWeChatClient(WeChatClient):
    """Answers codes registered with `register`; like WeChat, each code works once unless
    registered with `once=False`."""

    _sessions: dict[str, tuple[WeChatSession, bool]] = {}
    _lock = threading.Lock()

    @classmethod
    def register(cls, code: str, *, openid: str, unionid: str | None = None, once: bool = True) -> None:
        session: WeChatSession = {"openid": openid, "session_key": f"fake-session-key-{openid}"}
        if unionid:
            session["unionid"] = unionid
        with cls._lock:
            cls._sessions[code] = (session, once)

    @classmethod
    def clear(cls) -> None:
        with cls._lock:
            cls._sessions.clear()

    def code2session(self, code: str) -> WeChatSession:
        with self._lock:
            entry = self._sessions.get(code)
            if entry is not None and entry[1]:
                del self._sessions[code]
        if entry is None:
            raise WeChatError("invalid code", errcode=40029)
        return dict(entry[0])  # type: ignore[return-value]


@lru_cache(maxsize=8)
def _client(path: str) -> WeChatClient:
    return import_string(path)()


def get_wechat_client() -> WeChatClient:
    return _client(settings.LINKMALL["WECHAT_CLIENT"])
