"""The requests the referral views receive, typed by what the guard in front of each view guarantees.

These classes are annotations only: Django and ninja pass their own HttpRequest; nothing creates them.
"""

from django.http import HttpRequest

from linkmall.accounts.models import User


class UserRequest(HttpRequest):
    """A page request behind `role_required`/`consumer_required`: the user has logged in."""

    user: User


class ApiRequest(HttpRequest):
    """An API request of an operation with `auth=api_auth`: ninja puts the authenticated user in `auth`."""

    auth: User


class ShareVisitRequest(HttpRequest):
    """The request of /r/<code>/, which tells ShareVisitMiddleware it has remembered the visit already."""

    share_visit_handled: bool
