"""WeChat mini-program login through the pluggable client of linkmall.accounts.wechat."""

import re

from django.db import transaction

from linkmall.accounts.errors import AccountDisabled, PasswordLoginRequired, WeChatLoginFailed, WeChatUnavailable
from linkmall.accounts.models import User
from linkmall.accounts.services.sms_codes import SMS_LOGIN_ROLES
from linkmall.accounts.services.users import consumer_get_or_create_by_openid
from linkmall.accounts.wechat import WeChatError, get_wechat_client
from linkmall.core import clock
from linkmall.core.errors import InvalidInput

LOGIN_CODE = re.compile(r"[!-~]{1,128}")


def wechat_login(*, code: str) -> User:
    """The consumer of this mini-program `wx.login()` code, created on first login."""
    code = code.strip() if isinstance(code, str) else ""
    if not code:
        raise InvalidInput("The WeChat login code is missing.", detail={"field": "code"})
    if not LOGIN_CODE.fullmatch(code):
        # wx.login() codes are short printable ASCII; anything else never reaches WeChat
        raise InvalidInput("The WeChat login code is not valid.", detail={"field": "code"})
    try:
        session = get_wechat_client().code2session(code)
    except WeChatError as exc:
        if exc.transient:
            raise WeChatUnavailable("WeChat is not answering; try again.", detail={"errcode": exc.errcode}) from exc
        raise WeChatLoginFailed("WeChat refused the login code.", detail={"errcode": exc.errcode}) from exc
    with transaction.atomic():
        user = consumer_get_or_create_by_openid(openid=session["openid"], unionid=session.get("unionid"))
        if user.role not in SMS_LOGIN_ROLES:
            raise PasswordLoginRequired("This account logs in with its password.")
        if not user.is_active:
            raise AccountDisabled("This account is disabled.")
        now = clock.now()
        User.objects.filter(pk=user.pk).update(last_login=now)
        user.last_login = now
    return user
