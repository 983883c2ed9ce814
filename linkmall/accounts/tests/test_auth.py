"""The API auth: a Bearer token, or the browser session with its CSRF token on writes."""

from datetime import timedelta

import pytest
from django.test import Client

from linkmall.accounts.models import ApiToken
from linkmall.accounts.services import api_token_issue, api_token_revoke, api_token_revoke_all
from linkmall.core import clock
from linkmall.testing import make_consumer

pytestmark = pytest.mark.django_db


def me(client, token=None):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get("/api/v1/auth/me", **extra).status_code


def test_a_fresh_token_authenticates_its_user(client):
    user = make_consumer()
    token = api_token_issue(user=user)
    response = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (response.status_code, response.json()["id"]) == (200, user.pk)


def test_tokens_are_random_and_only_their_hash_is_stored():
    user = make_consumer()
    first, second = api_token_issue(user=user), api_token_issue(user=user)
    assert first != second and len(first) >= 40
    assert not ApiToken.objects.filter(key_hash__in=[first, second]).exists()


def test_a_token_lasts_thirty_days(client, frozen_clock):
    token = api_token_issue(user=make_consumer())
    clock.advance(timedelta(days=30) - timedelta(seconds=1))
    assert me(client, token) == 200
    clock.advance(timedelta(seconds=1))
    assert me(client, token) == 401


def test_a_revoked_token_is_refused(client):
    token = api_token_issue(user=make_consumer())
    assert api_token_revoke(key=token) is True
    assert api_token_revoke(key=token) is False
    assert me(client, token) == 401


def test_revoking_all_tokens_of_a_user_leaves_others_alone(client):
    user, other = make_consumer(), make_consumer()
    tokens = [api_token_issue(user=user) for _ in range(2)]
    others = api_token_issue(user=other)
    assert api_token_revoke_all(user=user) == 2
    assert [me(client, t) for t in tokens + [others]] == [401, 401, 200]


@pytest.mark.parametrize(
    "header", ["Bearer nonsense", "Bearer ", "Bearer " + "x" * 500, "Token abc", "Basic Zm9vOmJhcg=="]
)
def test_a_wrong_or_malformed_token_is_refused(client, header):
    api_token_issue(user=make_consumer())
    response = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=header)
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_a_disabled_users_token_is_refused(client):
    user = make_consumer()
    token = api_token_issue(user=user)
    user.is_active = False
    user.save()
    assert me(client, token) == 401


def test_a_disabled_user_gets_no_token():
    from linkmall.accounts.errors import AccountDisabled

    user = make_consumer()
    user.is_active = False
    with pytest.raises(AccountDisabled):
        api_token_issue(user=user)
    assert ApiToken.objects.count() == 0


def test_a_session_reads_without_csrf_but_writes_only_with_it():
    user = make_consumer()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get("/api/v1/auth/me").status_code == 200
    refused = browser.post("/api/v1/auth/logout")
    assert (refused.status_code, refused.json()["code"]) == (401, "not_authenticated")
    assert browser.get("/api/v1/auth/me").status_code == 200  # the refused logout changed nothing
    browser.get("/login/")  # a page sets the CSRF cookie, as the H5 pages do
    csrf = browser.cookies["csrftoken"].value
    accepted = browser.post("/api/v1/auth/logout", HTTP_X_CSRFTOKEN=csrf)
    assert (accepted.status_code, accepted.json()) == (200, {"logged_out": True})
    assert browser.get("/api/v1/auth/me").status_code == 401


def test_an_anonymous_session_is_refused():
    assert Client().get("/api/v1/auth/me").status_code == 401
