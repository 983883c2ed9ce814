"""Login errors. Each has a stable `code` the API and the mini-program switch on."""

from linkmall.core.errors import Conflict, DomainError, InvalidInput, NotAuthenticated, PermissionDenied, RateLimited


class InvalidPhone(InvalidInput):
    code = "invalid_phone"


class InvalidCode(InvalidInput):
    """The code is wrong, already used, or there is no code for this phone."""

    code = "invalid_code"


class CodeExpired(InvalidInput):
    code = "code_expired"


class CodeExhausted(InvalidInput):
    """Too many wrong guesses: the code is dead and a new one must be requested."""

    code = "code_exhausted"


class SmsRateLimited(RateLimited):
    code = "rate_limited"


class SmsSendFailed(DomainError):
    """The SMS provider refused or did not answer. Nothing was stored; the user may retry."""

    code = "sms_send_failed"
    status = 503


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"


class LoginLocked(RateLimited):
    code = "login_locked"


class AccountDisabled(PermissionDenied):
    code = "account_disabled"


class PasswordLoginRequired(PermissionDenied):
    """Supplier and platform staff must log in with their password; a phone code is not enough."""

    code = "password_login_required"


class PhoneTaken(Conflict):
    code = "phone_taken"


class UsernameTaken(Conflict):
    code = "username_taken"


class WeChatLoginFailed(DomainError):
    """WeChat refused the login code (wrong, used or expired)."""

    code = "wechat_login_failed"
    status = 400


class WeChatUnavailable(DomainError):
    code = "wechat_unavailable"
    status = 503
