"""What the login pages say for each error code of the account services."""

from django.utils.translation import gettext_lazy as _

ERROR_TEXT = {
    "invalid_phone": _("请输入正确的 11 位手机号。"),
    "invalid_code": _("验证码不正确。"),
    "code_expired": _("验证码已过期，请重新获取。"),
    "code_exhausted": _("验证码错误次数过多，请重新获取。"),
    "rate_limited": _("获取验证码太频繁，请稍后再试。"),
    "sms_send_failed": _("短信发送失败，请稍后再试。"),
    "invalid_credentials": _("用户名或密码不正确。"),
    "login_locked": _("密码错误次数过多，账号已临时锁定，请稍后再试。"),
    "account_disabled": _("该账号已停用。"),
    "password_login_required": _("该账号请使用用户名和密码登录。"),
    "phone_taken": _("该手机号已被其他账号使用。"),
}


def error_text(exc) -> str:
    text = str(ERROR_TEXT.get(exc.code, _("操作失败，请重试。")))
    retry = exc.detail.get("retry_after_seconds") if isinstance(exc.detail, dict) else None
    if retry:
        text = f"{text} ({retry}s)"
    return text
