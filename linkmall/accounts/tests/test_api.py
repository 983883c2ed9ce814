from datetime import timedelta

import pytest

from linkmall.accounts.auth import token_hash
from linkmall.accounts.models import ApiToken, Role, SmsCode, User
from linkmall.accounts.sms import LogSmsBackend
from linkmall.core import clock
from linkmall.testing import make_merchant, make_merchant_owner, make_platform_user

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def test_asking_for_a_code_sends_one_and_says_when_it_expires(api):
    status, body = api.post("/auth/sms/code", {"phone": PHONE})
    assert (status, body) == (200, {"sent": True, "expires_in_seconds": 300, "resend_after_seconds": 60})
    assert [m.phone for m in LogSmsBackend.outbox] == [PHONE]


def test_asking_again_too_soon_is_a_429_with_the_wait(api, frozen_clock):
    api.post("/auth/sms/code", {"phone": PHONE})
    clock.advance(timedelta(seconds=20))
    status, body = api.post("/auth/sms/code", {"phone": PHONE})
    assert (status, body["code"], body["detail"]) == (
        429, "rate_limited", {"reason": "resend_cooldown", "retry_after_seconds": 40})
    assert SmsCode.objects.count() == 1


@pytest.mark.parametrize("body", [{"phone": "12345"}, {"phone": "1" * 40}, {}, {"phone": None}])
def test_a_bad_phone_is_a_4xx_error_not_a_500(api, body):
    status, answer = api.post("/auth/sms/code", body)
    assert status in (400, 422)
    assert answer["code"] in ("invalid_phone", "invalid_input")
    assert set(answer) == {"code", "message", "detail"}
    assert SmsCode.objects.count() == 0


def test_sms_login_answers_a_bearer_token_and_the_user(api):
    api.post("/auth/sms/code", {"phone": PHONE})
    status, body = api.post("/auth/sms/login", {"phone": PHONE, "code": LogSmsBackend.last_code_for(PHONE)})
    user = User.objects.get(phone=PHONE)
    assert status == 200
    assert (body["token_type"], body["expires_in_seconds"]) == ("Bearer", 30 * 86400)
    assert body["user"] == {
        "id": user.pk, "username": user.username, "display_name": "138****5678", "role": "consumer",
        "tenant_id": None, "phone": PHONE, "has_wechat": False, "date_joined": body["user"]["date_joined"],
    }
    assert ApiToken.objects.get().key_hash == token_hash(body["token"])


def test_a_wrong_code_is_a_400_with_the_attempts_left(api):
    api.post("/auth/sms/code", {"phone": PHONE})
    code = LogSmsBackend.last_code_for(PHONE)
    status, body = api.post("/auth/sms/login", {"phone": PHONE, "code": f"{(int(code) + 1) % 10**6:06d}"})
    assert (status, body["code"], body["detail"]) == (400, "invalid_code", {"field": "code", "attempts_left": 4})
    assert ApiToken.objects.count() == 0


def test_password_login_answers_a_token_for_staff(api):
    owner = make_merchant_owner(make_merchant())
    status, body = api.post("/auth/password/login", {"username": owner.username, "password": "correct horse battery"})
    assert status == 200
    assert (body["user"]["role"], body["user"]["tenant_id"]) == ("merchant_owner", owner.tenant_id)


def test_a_wrong_password_is_a_401_and_issues_no_token(api):
    owner = make_merchant_owner(make_merchant())
    status, body = api.post("/auth/password/login", {"username": owner.username, "password": "nope"})
    assert (status, body["code"]) == (401, "invalid_credentials")
    assert ApiToken.objects.count() == 0


def test_wechat_login_answers_a_token(api, fake_wechat):
    fake_wechat.register("wx-1", openid="o-1")
    status, body = api.post("/auth/wechat/login", {"code": "wx-1"})
    assert status == 200
    assert (body["user"]["role"], body["user"]["has_wechat"], body["user"]["phone"]) == ("consumer", True, None)


def test_a_refused_wechat_code_is_a_400(api, fake_wechat):
    status, body = api.post("/auth/wechat/login", {"code": "never-registered"})
    assert (status, body["code"]) == (400, "wechat_login_failed")
    assert User.objects.count() == 0


def test_me_answers_the_token_owner_in_one_query(api, django_assert_num_queries):
    owner = make_merchant_owner(make_merchant())
    _, login = api.post("/auth/password/login", {"username": owner.username, "password": "correct horse battery"})
    with django_assert_num_queries(1):  # the token joined with its user
        status, body = api.get("/auth/me", token=login["token"])
    assert (status, body["id"], body["username"]) == (200, owner.pk, owner.username)


def test_me_without_login_is_a_401(api):
    status, body = api.get("/auth/me")
    assert (status, body) == (401, {"code": "not_authenticated", "message": "Log in first.", "detail": {}})


def test_logout_revokes_the_token_it_was_called_with(api, frozen_clock):
    user = make_platform_user()
    _, first = api.post("/auth/password/login", {"username": user.username, "password": "correct horse battery"})
    _, second = api.post("/auth/password/login", {"username": user.username, "password": "correct horse battery"})
    assert api.post("/auth/logout", token=first["token"]) == (200, {"logged_out": True})
    assert api.get("/auth/me", token=first["token"])[0] == 401
    assert api.get("/auth/me", token=second["token"])[0] == 200
    assert ApiToken.objects.get(key_hash=token_hash(first["token"])).revoked_at == clock.now()


def test_a_wechat_consumer_binds_a_phone_through_the_api(api, fake_wechat):
    fake_wechat.register("wx-1", openid="o-1")
    _, login = api.post("/auth/wechat/login", {"code": "wx-1"})
    api.post("/auth/sms/code", {"phone": PHONE})
    status, body = api.post("/auth/phone/bind", {"phone": PHONE, "code": LogSmsBackend.last_code_for(PHONE)},
                            token=login["token"])
    assert (status, body["phone"], body["has_wechat"]) == (200, PHONE, True)
    assert User.objects.get(wechat_openid="o-1").phone == PHONE


def test_a_platform_user_is_answered_with_its_role(api):
    user = make_platform_user()
    _, login = api.post("/auth/password/login", {"username": user.username, "password": "correct horse battery"})
    assert login["user"]["role"] == Role.PLATFORM


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/auth/nothing", "/api/v2/", "/api/"])
def test_unknown_api_paths_answer_a_json_404(client, path):
    for response in (client.get(path), client.post(path, data="{}", content_type="application/json")):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"code": "not_found", "message": "No such API endpoint.", "detail": {"path": path}}


def test_the_auth_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert sorted(p for p in paths if p.startswith("/api/v1/auth/")) == [
        "/api/v1/auth/logout", "/api/v1/auth/me", "/api/v1/auth/password/login", "/api/v1/auth/phone/bind",
        "/api/v1/auth/sms/code", "/api/v1/auth/sms/login", "/api/v1/auth/wechat/login",
    ]


def test_binding_a_phone_needs_a_login(api):
    status, body = api.post("/auth/phone/bind", {"phone": PHONE, "code": "123456"})
    assert (status, body["code"]) == (401, "not_authenticated")
    assert SmsCode.objects.count() == 0
