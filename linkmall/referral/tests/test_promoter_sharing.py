"""Share codes, and binding by link: the first link wins, self-links and cycles are ignored."""

import pytest
from django.test import RequestFactory, override_settings

from linkmall import testing as t
from linkmall.core import clock
from linkmall.referral.graph import referral_bind
from linkmall.referral.middleware import VISIT_COOKIE, VISIT_COOKIE_SALT
from linkmall.referral.models import Promoter, TeamEvent
from linkmall.referral.sharing import (
    CODE_LENGTH,
    referral_bind_from_visit,
    share_code_for,
    share_code_user_id,
    share_url_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(clock.now())
    yield
    clock.reset()


def referrer_of(user):
    return Promoter.objects.filter(user=user).values_list("referrer_id", "bound_via").first()


# --- codes ---------------------------------------------------------------------------------


def test_a_share_code_is_stable_and_names_its_user_only():
    codes = [share_code_for(user_id=n) for n in (1, 2, 3, 10**9)]

    assert codes[0] == share_code_for(user_id=1)
    assert len(set(codes)) == 4
    assert all(len(c) == CODE_LENGTH and c.isalnum() and c == c.lower() for c in codes)
    assert [share_code_user_id(c) for c in codes] == [1, 2, 3, 10**9]


def test_a_code_with_one_character_changed_or_of_another_key_names_nobody():
    code = share_code_for(user_id=42)
    tampered = code[:-1] + ("a" if code[-1] != "a" else "b")

    assert share_code_user_id(tampered) is None
    assert share_code_user_id(code.upper()) == 42  # typed by hand in capitals, it still works
    assert share_code_user_id("") is None
    assert share_code_user_id("x" * 500) is None
    assert share_code_user_id("!" * CODE_LENGTH) is None
    with override_settings(SECRET_KEY="another-secret-key-entirely-0123456789abcdefghijkl"):
        assert share_code_user_id(code) is None


def test_codes_made_before_a_key_rotation_still_work_while_the_old_key_is_a_fallback(settings):
    old = settings.SECRET_KEY
    code = share_code_for(user_id=7)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "the-new-secret-key-0123456789abcdefghijklmnopqr", [old]

    assert share_code_user_id(code) == 7
    assert share_code_for(user_id=7) != code


def test_the_share_url_says_through_which_channel_it_was_shared():
    code = share_code_for(user_id=5)

    assert share_url_for(user_id=5) == f"/r/{code}/"
    assert share_url_for(user_id=5, via="qr") == f"/r/{code}/?via=qr"
    assert share_url_for(user_id=5, via="poster") == f"/r/{code}/?via=poster"
    assert share_url_for(user_id=5, via="evil") == f"/r/{code}/"


# --- the service -----------------------------------------------------------------------------


def test_a_visit_binds_a_consumer_without_a_referrer_and_the_first_touch_wins():
    a, b, visitor = t.make_consumer(), t.make_consumer(), t.make_consumer()

    assert referral_bind_from_visit(user=visitor, code=share_code_for(user_id=a.pk), via="qr") is True
    assert referral_bind_from_visit(user=visitor, code=share_code_for(user_id=b.pk), via="link") is False

    assert referrer_of(visitor) == (a.pk, "qr")
    assert list(TeamEvent.objects.filter(user=visitor).values_list("kind", "referrer_id", "detail")) == [
        ("bound", a.pk, "qr")]


def test_a_self_link_a_cycle_an_unknown_code_and_a_staff_sharer_bind_nothing_and_raise_nothing():
    a, b = t.make_consumer(), t.make_consumer()
    referral_bind(user=b, referrer=a, via="link")  # a invited b, so b's link cannot bind a
    staff = t.make_platform_user()

    assert referral_bind_from_visit(user=a, code=share_code_for(user_id=a.pk), via="link") is False
    assert referral_bind_from_visit(user=a, code=share_code_for(user_id=b.pk), via="link") is False
    assert referral_bind_from_visit(user=a, code="nonsense", via="link") is False
    assert referral_bind_from_visit(user=a, code=share_code_for(user_id=staff.pk), via="link") is False
    assert referral_bind_from_visit(user=a, code=share_code_for(user_id=10**9), via="link") is False

    assert referrer_of(a) in (None, (None, ""))
    assert TeamEvent.objects.filter(user=a).count() == 0


def test_staff_are_never_bound_by_a_link():
    a, staff = t.make_consumer(), t.make_platform_user()

    assert referral_bind_from_visit(user=staff, code=share_code_for(user_id=a.pk), via="link") is False
    assert not Promoter.objects.filter(user=staff).exists()


# --- the middleware and /r/<code>/ --------------------------------------------------------


def unsigned(signed: str, *, max_age: int | None = None) -> str | None:
    """The value of a signed visit cookie, read the way the middleware reads it (BadSignature if forged)."""
    request = RequestFactory().get("/")
    request.COOKIES[VISIT_COOKIE] = signed
    return request.get_signed_cookie(VISIT_COOKIE, salt=VISIT_COOKIE_SALT, max_age=max_age)


def cookie_value(response) -> str | None:
    return unsigned(response.cookies[VISIT_COOKIE].value, max_age=30 * 24 * 3600)


def test_an_anonymous_visit_with_ref_remembers_the_sharer_in_a_signed_cookie_for_30_days(client):
    a = t.make_consumer()
    code = share_code_for(user_id=a.pk)

    response = client.get(f"/?ref={code}&via=poster")

    assert response.status_code == 200
    assert cookie_value(response) == f"{code}:poster"
    assert response.cookies[VISIT_COOKIE]["max-age"] == 30 * 24 * 3600
    assert response.cookies[VISIT_COOKIE]["httponly"] is True


def test_a_later_link_does_not_replace_the_first_one_in_the_cookie(client):
    a, b = t.make_consumer(), t.make_consumer()
    client.get(f"/?ref={share_code_for(user_id=a.pk)}")

    response = client.get(f"/?ref={share_code_for(user_id=b.pk)}")

    assert VISIT_COOKIE not in response.cookies  # unchanged: the browser keeps a's cookie
    assert cookie_value_of(client) == f"{share_code_for(user_id=a.pk)}:link"


def cookie_value_of(client) -> str | None:
    return unsigned(client.cookies[VISIT_COOKIE].value)


def test_a_forged_ref_or_cookie_is_ignored_and_a_forged_cookie_is_dropped(client):
    response = client.get("/?ref=" + "a" * CODE_LENGTH)
    assert VISIT_COOKIE not in response.cookies

    client.cookies[VISIT_COOKIE] = "someone:link:forged"
    response = client.get("/")

    assert response.status_code == 200
    assert response.cookies[VISIT_COOKIE].value == ""  # deleted


def test_the_share_link_redirects_to_the_store_the_sharer_last_bought_in(client):
    from linkmall.referral.tests._promoter_world import buy, world_open

    world = world_open()
    sharer = t.make_consumer()
    buy(world, sharer)

    response = client.get(f"/r/{share_code_for(user_id=sharer.pk)}/?via=qr")

    assert (response.status_code, response["Location"]) == (302, f"/s/{world.store.pk}/")
    assert cookie_value(response) == f"{share_code_for(user_id=sharer.pk)}:qr"


def test_a_share_link_of_someone_without_orders_leads_home_and_a_bad_code_too(client):
    sharer = t.make_consumer()

    assert client.get(f"/r/{share_code_for(user_id=sharer.pk)}/")["Location"] == "/"
    response = client.get("/r/not-a-code/")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert VISIT_COOKIE not in response.cookies


def test_logging_in_after_a_visit_binds_once_and_drops_the_cookie(client):
    sharer, visitor = t.make_consumer(), t.make_consumer()
    client.get(f"/r/{share_code_for(user_id=sharer.pk)}/?via=poster")
    client.force_login(visitor)

    response = client.get("/")

    assert referrer_of(visitor) == (sharer.pk, "poster")
    assert response.cookies[VISIT_COOKIE].value == ""
    assert VISIT_COOKIE not in client.cookies or client.cookies[VISIT_COOKIE].value == ""


def test_the_sms_login_request_itself_binds_the_visitor(client):
    from linkmall.accounts.sms import LogSmsBackend

    LogSmsBackend.clear()
    sharer = t.make_consumer()
    client.get(f"/?ref={share_code_for(user_id=sharer.pk)}")
    client.post("/login/", {"phone": "13700001111", "action": "send_code"})
    code = LogSmsBackend.last_code_for("13700001111")

    response = client.post("/login/", {"phone": "13700001111", "code": code, "action": "login"})

    assert response.status_code == 302
    visitor = Promoter.objects.get(referrer=sharer).user
    assert visitor.phone == "13700001111"
    assert response.cookies[VISIT_COOKIE].value == ""


def test_a_logged_in_consumer_opening_a_link_is_bound_at_once_and_no_cookie_is_left(client):
    sharer, visitor = t.make_consumer(), t.make_consumer()
    client.force_login(visitor)

    response = client.get(f"/?ref={share_code_for(user_id=sharer.pk)}")

    assert referrer_of(visitor) == (sharer.pk, "link")
    assert VISIT_COOKIE not in response.cookies


def test_the_sharer_opening_their_own_link_binds_nothing_and_drops_the_cookie(client):
    sharer = t.make_consumer()
    client.get(f"/?ref={share_code_for(user_id=sharer.pk)}")
    client.force_login(sharer)

    response = client.get("/")

    assert referrer_of(sharer) in (None, (None, ""))
    assert response.cookies[VISIT_COOKIE].value == ""


def test_a_request_without_ref_or_cookie_costs_the_middleware_no_query(rf, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    from linkmall.referral.middleware import ShareVisitMiddleware

    request = rf.get("/")
    request.user = AnonymousUser()
    middleware = ShareVisitMiddleware(lambda r: HttpResponse("ok"))

    with django_assert_num_queries(0):
        response = middleware(request)

    assert response.cookies == {}
