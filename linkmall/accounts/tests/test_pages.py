from datetime import timedelta

import pytest
from django.test import Client

from linkmall.accounts.models import SmsCode, User
from linkmall.accounts.sms import LogSmsBackend
from linkmall.core import clock
from linkmall.testing import (
    make_consumer,
    make_guide,
    make_merchant,
    make_merchant_owner,
    make_platform_user,
    make_store,
    make_supplier,
    make_supplier_staff,
)

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
PASSWORD = "correct horse battery"


def session_user_id(client):
    return client.session.get("_auth_user_id")


def test_the_login_page_asks_for_phone_and_code(client):
    response = client.get("/login/?next=/orders/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'type="tel"' in html and 'name="code"' in html and 'value="send_code"' in html
    assert 'name="next" value="/orders/"' in html
    assert 'autocomplete="one-time-code"' in html


def test_getting_a_code_from_the_page_sends_it_and_keeps_the_phone(client):
    response = client.post("/login/", {"phone": PHONE, "action": "send_code"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{PHONE}"' in html
    assert 'data-cooldown="60"' in html
    assert [m.phone for m in LogSmsBackend.outbox] == [PHONE]
    assert session_user_id(client) is None


def test_the_right_code_logs_in_and_goes_to_next(client, frozen_clock):
    client.post("/login/", {"phone": PHONE, "action": "send_code"})
    response = client.post("/login/", {"phone": PHONE, "code": LogSmsBackend.last_code_for(PHONE),
                                       "action": "login", "next": "/orders/"})
    assert (response.status_code, response["Location"]) == (302, "/orders/")
    assert int(session_user_id(client)) == User.objects.get(phone=PHONE).pk


def test_without_next_a_consumer_lands_on_the_home_page(client):
    client.post("/login/", {"phone": PHONE, "action": "send_code"})
    response = client.post("/login/", {"phone": PHONE, "code": LogSmsBackend.last_code_for(PHONE), "action": "login"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_next_never_leaves_the_site(client, next_url):
    client.post("/login/", {"phone": PHONE, "action": "send_code"})
    response = client.post("/login/", {"phone": PHONE, "code": LogSmsBackend.last_code_for(PHONE),
                                       "action": "login", "next": next_url})
    assert response["Location"] == "/"


def test_a_wrong_code_shows_an_error_and_logs_nobody_in(client):
    client.post("/login/", {"phone": PHONE, "action": "send_code"})
    code = LogSmsBackend.last_code_for(PHONE)
    response = client.post("/login/", {"phone": PHONE, "code": f"{(int(code) + 1) % 10**6:06d}", "action": "login"})
    assert response.status_code == 400
    assert "验证码不正确" in response.content.decode()
    assert session_user_id(client) is None
    assert User.objects.count() == 0


def test_a_bad_phone_shows_an_error(client):
    response = client.post("/login/", {"phone": "123", "action": "send_code"})
    assert response.status_code == 400
    assert "请输入正确的 11 位手机号" in response.content.decode()
    assert SmsCode.objects.count() == 0


def test_asking_for_codes_too_often_shows_the_wait(client, frozen_clock):
    client.post("/login/", {"phone": PHONE, "action": "send_code"})
    clock.advance(timedelta(seconds=15))
    response = client.post("/login/", {"phone": PHONE, "action": "send_code"})
    assert response.status_code == 400
    assert "操作太频繁，请稍后再试。 (45s)" in response.content.decode()
    assert SmsCode.objects.count() == 1


def test_the_login_page_refuses_a_post_without_csrf():
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/login/", {"phone": PHONE, "action": "send_code"})
    assert response.status_code == 403
    assert SmsCode.objects.count() == 0


@pytest.mark.parametrize(
    ("make", "home"),
    [(lambda: make_supplier_staff(make_supplier()), "/console/supplier/"),
     (lambda: make_merchant_owner(make_merchant()), "/console/merchant/"),
     (lambda: make_guide(make_store(make_merchant())).user, "/guide/"),
     (make_platform_user, "/ops/referral/")],
)
def test_staff_land_on_their_console_after_the_password_login(client, make, home):
    user = make()
    response = client.post("/staff/login/", {"username": user.username, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, home)
    assert int(session_user_id(client)) == user.pk


def test_the_staff_login_honours_next(client):
    user = make_supplier_staff(make_supplier())
    response = client.post("/staff/login/?next=/console/supplier/products/",
                           {"username": user.username, "password": PASSWORD})
    assert response["Location"] == "/console/supplier/products/"


def test_a_wrong_password_shows_an_error_and_logs_nobody_in(client):
    user = make_supplier_staff(make_supplier())
    response = client.post("/staff/login/", {"username": user.username, "password": "nope"})
    assert response.status_code == 400
    assert "用户名或密码不正确" in response.content.decode()
    assert session_user_id(client) is None


def test_the_staff_login_page_shows_the_lock_out(client):
    user = make_supplier_staff(make_supplier())
    for _ in range(5):
        response = client.post("/staff/login/", {"username": user.username, "password": "nope"})
    assert "账号已临时锁定" in response.content.decode()
    response = client.post("/staff/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert session_user_id(client) is None


def test_logout_is_a_post_that_ends_the_session(client):
    client.force_login(make_consumer())
    assert client.get("/logout/").status_code == 405
    assert session_user_id(client) is not None
    response = client.post("/logout/")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert session_user_id(client) is None


def test_staff_go_back_to_the_staff_login_after_logout(client):
    client.force_login(make_supplier_staff(make_supplier()))
    assert client.post("/logout/")["Location"] == "/staff/login/"


@pytest.mark.urls("linkmall.accounts.tests.urls")
class TestPageGuards:
    def test_an_anonymous_visitor_of_a_consumer_page_goes_to_the_phone_login(self, client):
        response = client.get("/test/my-orders/?tab=paid")
        assert (response.status_code, response["Location"]) == (302, "/login/?next=/test/my-orders/%3Ftab%3Dpaid")

    def test_an_anonymous_visitor_of_a_console_goes_to_the_staff_login(self, client):
        response = client.get("/test/console/7/")
        assert (response.status_code, response["Location"]) == (302, "/staff/login/?next=/test/console/7/")

    def test_a_consumer_opens_consumer_pages(self, client):
        user = make_consumer()
        client.force_login(user)
        response = client.get("/test/my-orders/")
        assert (response.status_code, response.content.decode()) == (200, f"orders of {user.pk}")

    def test_staff_get_a_403_page_on_consumer_pages(self, client):
        client.force_login(make_supplier_staff(make_supplier()))
        response = client.get("/test/my-orders/")
        assert response.status_code == 403
        assert "无权访问" in response.content.decode()

    def test_a_consumer_gets_a_403_page_on_a_console(self, client):
        client.force_login(make_consumer())
        assert client.get("/test/console/7/").status_code == 403

    def test_listed_roles_open_the_console(self, client):
        client.force_login(make_supplier_staff(make_supplier()))
        assert client.get("/test/console/7/").status_code == 200
        client.force_login(make_platform_user())
        assert client.get("/test/console/7/").status_code == 200

    def test_a_merchant_owner_is_not_a_supplier(self, client):
        client.force_login(make_merchant_owner(make_merchant()))
        assert client.get("/test/console/7/").status_code == 403

    def test_the_whole_round_trip_from_guard_to_login_and_back(self, client):
        response = client.get("/test/my-orders/")
        login_page = client.get(response["Location"])
        assert 'name="next" value="/test/my-orders/"' in login_page.content.decode()
        client.post("/login/", {"phone": PHONE, "action": "send_code"})
        back = client.post("/login/", {"phone": PHONE, "code": LogSmsBackend.last_code_for(PHONE),
                                       "action": "login", "next": "/test/my-orders/"})
        assert back["Location"] == "/test/my-orders/"
        assert client.get("/test/my-orders/").status_code == 200


def test_role_required_needs_a_role():
    from linkmall.accounts.pages.decorators import role_required

    with pytest.raises(ValueError):
        role_required()
