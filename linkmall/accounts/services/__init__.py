"""Account services: staff and consumers, phone-code, password and WeChat logins, API tokens."""

from linkmall.accounts.services.passwords import password_login, user_login_unlock
from linkmall.accounts.services.sms_codes import consumer_phone_bind, sms_code_request, sms_login
from linkmall.accounts.services.tokens import api_token_issue, api_token_revoke, api_token_revoke_all
from linkmall.accounts.services.users import (
    consumer_get_or_create,
    phone_mask,
    phone_normalize,
    staff_tenant_check,
    staff_user_create,
    system_user,
)
from linkmall.accounts.services.wechat_login import wechat_login

__all__ = [
    "api_token_issue",
    "api_token_revoke",
    "api_token_revoke_all",
    "consumer_get_or_create",
    "consumer_phone_bind",
    "password_login",
    "phone_mask",
    "phone_normalize",
    "sms_code_request",
    "sms_login",
    "staff_tenant_check",
    "staff_user_create",
    "system_user",
    "user_login_unlock",
    "wechat_login",
]
