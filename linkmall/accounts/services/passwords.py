"""Staff login with username and password, with a lock-out after repeated wrong passwords."""

import math
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F

from linkmall.accounts.conf import conf
from linkmall.accounts.errors import AccountDisabled, InvalidCredentials, LoginLocked
from linkmall.accounts.models import User
from linkmall.core import clock
from linkmall.core.errors import DomainError
from linkmall.core.locking import lock_one


def _locked(until) -> LoginLocked:
    seconds = max(1, math.ceil((until - clock.now()).total_seconds()))
    return LoginLocked("Too many wrong passwords; try again later.", detail={"retry_after_seconds": seconds})


def password_login(*, username: str, password: str) -> User:
    """The user with this username and password. STAFF_LOGIN_MAX_FAILURES wrong passwords in a
    row lock the account for STAFF_LOGIN_LOCK_MINUTES; while locked no password is checked."""
    username = (username or "").strip()
    password = password or ""
    user_pk = User.objects.filter(username=username).values_list("pk", flat=True).first() if username else None
    if user_pk is None:
        make_password(password)  # the same hashing work as a real check, so timing does not reveal names
        raise InvalidCredentials("Wrong username or password.")
    now = clock.now()
    error: DomainError | None = None
    with transaction.atomic():
        # The row lock serializes attempts on one account, so parallel guesses are all counted.
        user = lock_one(User.objects.all(), user_pk)
        if user.login_locked_until is not None and user.login_locked_until > now:
            error = _locked(user.login_locked_until)
        elif not user.check_password(password):
            failures = user.failed_login_count + 1
            if failures >= conf("STAFF_LOGIN_MAX_FAILURES"):
                until = now + timedelta(minutes=conf("STAFF_LOGIN_LOCK_MINUTES"))
                User.objects.filter(pk=user.pk).update(failed_login_count=0, login_locked_until=until)
                error = _locked(until)
            else:
                User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
                error = InvalidCredentials("Wrong username or password.")
        elif not user.is_active:
            error = AccountDisabled("This account is disabled.")
        else:
            User.objects.filter(pk=user.pk).update(failed_login_count=0, login_locked_until=None, last_login=now)
            user.failed_login_count, user.login_locked_until, user.last_login = 0, None, now
    if error is not None:
        raise error
    return user


def user_login_unlock(*, user: User) -> None:
    """Lift a password lock-out early (platform staff, after checking who is asking)."""
    User.objects.filter(pk=user.pk).update(failed_login_count=0, login_locked_until=None)
