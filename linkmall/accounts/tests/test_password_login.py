from datetime import timedelta

import pytest

from linkmall.accounts.errors import AccountDisabled, InvalidCredentials, LoginLocked
from linkmall.accounts.services import password_login, user_login_unlock
from linkmall.core import clock
from linkmall.testing import make_platform_user, make_supplier, make_supplier_staff, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the builders' password


def test_staff_log_in_with_username_and_password(frozen_clock):
    staff = make_supplier_staff(make_supplier())
    user = password_login(username=staff.username, password=PASSWORD)
    assert user.pk == staff.pk
    staff.refresh_from_db()
    assert (staff.last_login, staff.failed_login_count) == (clock.now(), 0)


@pytest.mark.parametrize("username", ["nobody", "", "   "])
def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(username):
    with pytest.raises(InvalidCredentials) as exc:
        password_login(username=username, password=PASSWORD)
    assert (exc.value.code, exc.value.status, exc.value.message) == (
        "invalid_credentials", 401, "Wrong username or password.")


def test_a_wrong_password_is_refused_and_counted():
    staff = make_platform_user()
    with pytest.raises(InvalidCredentials) as exc:
        password_login(username=staff.username, password="not it")
    assert exc.value.message == "Wrong username or password."
    staff.refresh_from_db()
    assert (staff.failed_login_count, staff.login_locked_until, staff.last_login) == (1, None, None)


def test_a_consumer_without_password_cannot_log_in_by_password():
    consumer = make_user(password=None)
    with pytest.raises(InvalidCredentials):
        password_login(username=consumer.username, password="")


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(frozen_clock):
    staff = make_platform_user()
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            password_login(username=staff.username, password="guess")
    with pytest.raises(LoginLocked) as exc:
        password_login(username=staff.username, password="guess")
    assert (exc.value.code, exc.value.status, exc.value.detail) == ("login_locked", 429, {"retry_after_seconds": 900})
    # while locked even the right password is refused and nothing is checked
    clock.advance(timedelta(minutes=14, seconds=59))
    with pytest.raises(LoginLocked) as exc:
        password_login(username=staff.username, password=PASSWORD)
    assert exc.value.detail == {"retry_after_seconds": 1}
    staff.refresh_from_db()
    assert staff.last_login is None
    clock.advance(timedelta(seconds=1))
    assert password_login(username=staff.username, password=PASSWORD).pk == staff.pk
    staff.refresh_from_db()
    assert (staff.failed_login_count, staff.login_locked_until) == (0, None)


def test_a_good_login_forgives_earlier_wrong_passwords():
    staff = make_platform_user()
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            password_login(username=staff.username, password="guess")
    password_login(username=staff.username, password=PASSWORD)
    with pytest.raises(InvalidCredentials):
        password_login(username=staff.username, password="guess")
    staff.refresh_from_db()
    assert (staff.failed_login_count, staff.login_locked_until) == (1, None)


def test_platform_staff_can_lift_a_lock_early(frozen_clock):
    staff = make_platform_user()
    for _ in range(5):
        with pytest.raises((InvalidCredentials, LoginLocked)):
            password_login(username=staff.username, password="guess")
    user_login_unlock(user=staff)
    assert password_login(username=staff.username, password=PASSWORD).pk == staff.pk


def test_a_disabled_account_is_refused_even_with_the_right_password():
    staff = make_platform_user()
    staff.is_active = False
    staff.save()
    with pytest.raises(AccountDisabled):
        password_login(username=staff.username, password=PASSWORD)
    staff.refresh_from_db()
    assert staff.last_login is None
