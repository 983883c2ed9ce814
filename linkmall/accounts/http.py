"""The requests views receive, typed by what the guard in front of each view guarantees.

These classes are annotations only: Django and ninja pass their own HttpRequest; nothing creates them.
A view declares `request: UserRequest` or `request: ApiRequest` only behind the guard named below.
"""

from django.http import HttpRequest

from linkmall.accounts.models import User


class UserRequest(HttpRequest):
    """A page request behind `role_required`, `consumer_required` or `consumer_page`
    (linkmall.accounts.pages.decorators): the guard let only a logged-in user in, so `user` is a User."""

    user: User


class ApiRequest(HttpRequest):
    """An API request of an operation with `auth=api_auth` (linkmall.accounts.auth): ninja puts the
    authenticated user in `auth`."""

    auth: User
