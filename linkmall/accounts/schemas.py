from datetime import datetime

from ninja import Schema
from pydantic import Field

from linkmall.accounts.models import User


class ErrorOut(Schema):
    code: str
    message: str
    detail: dict


class SmsCodeIn(Schema):
    phone: str = Field(max_length=32)


class SmsCodeOut(Schema):
    sent: bool
    expires_in_seconds: int
    resend_after_seconds: int


class SmsLoginIn(Schema):
    phone: str = Field(max_length=32)
    code: str = Field(max_length=16)


class PhoneBindIn(SmsLoginIn):
    pass


class PasswordLoginIn(Schema):
    username: str = Field(max_length=150)
    password: str = Field(max_length=256)


class WeChatLoginIn(Schema):
    code: str = Field(max_length=128)


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    tenant_id: int | None
    phone: str | None
    has_wechat: bool
    date_joined: datetime

    @staticmethod
    def resolve_has_wechat(obj: User) -> bool:
        return bool(obj.wechat_openid)


class LoginOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_in_seconds: int
    user: UserOut


class LogoutOut(Schema):
    logged_out: bool
