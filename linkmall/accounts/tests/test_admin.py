import pytest
from django.test import Client

from linkmall.accounts.auth import token_hash
from linkmall.accounts.models import ApiToken, Role, SmsCode, User
from linkmall.accounts.services import api_token_issue, sms_code_request, staff_user_create
from linkmall.testing import make_consumer, make_merchant, make_supplier, make_supplier_staff

pytestmark = pytest.mark.django_db

PASSWORD = "Lian-dong 2026!"


@pytest.fixture
def admin_client():
    staff_user_create(username="root", password=PASSWORD, role=Role.PLATFORM, superuser=True)
    browser = Client()
    response = browser.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    return browser


@pytest.mark.parametrize("path", [
    "/admin/accounts/user/", "/admin/accounts/user/add/", "/admin/accounts/tenant/", "/admin/accounts/smscode/",
    "/admin/accounts/apitoken/", "/admin/accounts/user/?role__exact=consumer", "/admin/accounts/user/?q=139",
])
def test_platform_staff_open_the_account_admin_pages(admin_client, path):
    make_consumer()
    make_supplier_staff(make_supplier())
    assert admin_client.get(path).status_code == 200


def test_the_user_page_edits_a_user(admin_client):
    user = make_consumer(phone="13900001111")
    page = admin_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    assert "13900001111" in page.content.decode()


def test_adding_staff_in_the_admin_checks_the_tenant_kind(admin_client):
    merchant = make_merchant()
    form = {"username": "wrongkind", "role": Role.SUPPLIER_STAFF, "tenant": merchant.pk, "display_name": "",
            "phone": "", "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD}
    response = admin_client.post("/admin/accounts/user/add/", form)
    assert response.status_code == 200  # the form again, with the error
    assert not User.objects.filter(username="wrongkind").exists()
    form |= {"username": "rightkind", "role": Role.MERCHANT_OWNER}
    response = admin_client.post("/admin/accounts/user/add/", form)
    assert response.status_code == 302
    created = User.objects.get(username="rightkind")
    assert (created.role, created.tenant_id, created.check_password(PASSWORD)) == (
        Role.MERCHANT_OWNER, merchant.pk, True)


def test_sms_codes_and_tokens_are_read_only_and_never_show_their_hash(admin_client):
    sms_code_request(phone="13900001111")
    token = api_token_issue(user=make_consumer())
    code = SmsCode.objects.get()
    row = ApiToken.objects.get()
    for path, secret in [(f"/admin/accounts/smscode/{code.pk}/change/", code.code_hash),
                         (f"/admin/accounts/apitoken/{row.pk}/change/", token_hash(token))]:
        page = admin_client.get(path)
        assert page.status_code == 200
        assert secret not in page.content.decode()
    assert admin_client.get("/admin/accounts/smscode/add/").status_code == 403
    assert admin_client.post(f"/admin/accounts/smscode/{code.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SmsCode.objects.count() == 1


def test_the_revoke_action_revokes_the_users_tokens(admin_client, client):
    user = make_consumer()
    token = api_token_issue(user=user)
    response = admin_client.post("/admin/accounts/user/",
                                 {"action": "revoke_api_tokens", "_selected_action": [user.pk]})
    assert response.status_code == 302
    assert client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_the_admin_login_shares_the_password_lock_out():
    staff_user_create(username="root", password=PASSWORD, role=Role.PLATFORM, superuser=True)
    browser = Client()
    for _ in range(5):
        browser.post("/admin/login/", {"username": "root", "password": "guess"})
    response = browser.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 200
    assert "锁定" in response.content.decode()
    assert browser.get("/admin/").status_code == 302


def test_tenant_staff_cannot_enter_the_admin():
    staff = make_supplier_staff(make_supplier())
    browser = Client()
    response = browser.post("/admin/login/", {"username": staff.username, "password": "correct horse battery"})
    assert response.status_code == 200
    assert browser.get("/admin/").status_code == 302


def test_the_admin_stores_phones_normalized_and_refuses_bad_ones(admin_client):
    user = make_consumer(phone="13900001111")
    page = admin_client.get(f"/admin/accounts/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name not in (
        "groups", "user_permissions", "last_login", "date_joined", "password")}
    data |= {"groups": [], "user_permissions": [], "is_active": "on"}
    refused = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", data | {"phone": "12345"})
    assert refused.status_code == 200
    user.refresh_from_db()
    assert user.phone == "13900001111"
    saved = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", data | {"phone": "+86 139 0000 2222"})
    assert saved.status_code == 302
    user.refresh_from_db()
    assert user.phone == "13900002222"
