"""/api/v1/auth: log in (phone code, password, WeChat), get a Bearer token, log out, who am I."""

from django.contrib.auth import logout
from ninja import Router

from linkmall.accounts import selectors, services
from linkmall.accounts.auth import api_auth, bearer_token
from linkmall.accounts.schemas import (
    ErrorOut,
    LoginOut,
    LogoutOut,
    PasswordLoginIn,
    PhoneBindIn,
    SmsCodeIn,
    SmsCodeOut,
    SmsLoginIn,
    UserOut,
    WeChatLoginIn,
)

router = Router(tags=["accounts"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut}


def _login_answer(user) -> dict:
    return {
        "token": services.api_token_issue(user=user),
        "token_type": "Bearer",
        "expires_in_seconds": selectors.api_token_ttl_seconds(),
        "user": user,
    }


@router.post("/sms/code", response={200: SmsCodeOut, **ERRORS})
def sms_code(request, payload: SmsCodeIn):
    services.sms_code_request(phone=payload.phone)
    return {"sent": True, **selectors.sms_code_policy()}


@router.post("/sms/login", response={200: LoginOut, **ERRORS})
def sms_login(request, payload: SmsLoginIn):
    return _login_answer(services.sms_login(phone=payload.phone, code=payload.code))


@router.post("/password/login", response={200: LoginOut, **ERRORS})
def password_login(request, payload: PasswordLoginIn):
    return _login_answer(services.password_login(username=payload.username, password=payload.password))


@router.post("/wechat/login", response={200: LoginOut, **ERRORS})
def wechat_login(request, payload: WeChatLoginIn):
    return _login_answer(services.wechat_login(code=payload.code))


@router.post("/phone/bind", auth=api_auth, response={200: UserOut, **ERRORS})
def phone_bind(request, payload: PhoneBindIn):
    return services.consumer_phone_bind(user=request.auth, phone=payload.phone, code=payload.code)


@router.post("/logout", auth=api_auth, response={200: LogoutOut, 401: ErrorOut})
def logout_(request):
    token = bearer_token(request)
    if token is not None:
        services.api_token_revoke(key=token)
    else:
        logout(request)
    return {"logged_out": True}


@router.get("/me", auth=api_auth, response={200: UserOut, 401: ErrorOut})
def me(request):
    return request.auth
