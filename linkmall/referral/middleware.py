"""Remember who shared the link a visitor came through, and bind them once the visitor logs in.

`?ref=<code>` on any page (and `/r/<code>/`) keeps the sharer in a signed cookie for 30 days.
The first link wins: a later link does not replace a cookie that is still valid. When the
visitor is a logged-in consumer — on the very request that logs them in, or any later one —
the sharer becomes their referrer if they have none (`referral_bind_from_visit`) and the
cookie is dropped. Requests without the cookie and without `?ref=` cost nothing: the user is
not even loaded.
"""

import logging
from collections.abc import Callable
from typing import TypeGuard, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db import DatabaseError
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from linkmall.accounts.models import Role, User
from linkmall.core.errors import DomainError
from linkmall.referral.sharing import CODE_LENGTH, referral_bind_from_visit, share_code_user_id, visit_channel

logger = logging.getLogger("linkmall.referral")

VISIT_COOKIE = "lm_ref"
VISIT_COOKIE_SALT = "linkmall.referral.visit"
VISIT_COOKIE_SECONDS = 30 * 24 * 3600

_Response = TypeVar("_Response", bound=HttpResponseBase)


def visit_from_cookie(request: HttpRequest) -> tuple[str, str] | None:
    """(code, via) of the link this browser first came through, if the cookie is valid."""
    if VISIT_COOKIE not in request.COOKIES:
        return None
    try:
        value = request.get_signed_cookie(VISIT_COOKIE, salt=VISIT_COOKIE_SALT, max_age=VISIT_COOKIE_SECONDS)
    except (KeyError, signing.BadSignature):
        return None
    if value is None:  # only with a default, which this call does not give
        return None
    code, _, via = value.partition(":")
    return (code, visit_channel(via)) if share_code_user_id(code) is not None else None


def visit_from_query(request: HttpRequest) -> tuple[str, str] | None:
    code = request.GET.get("ref", "")
    if len(code) != CODE_LENGTH or share_code_user_id(code) is None:
        return None
    return code, visit_channel(request.GET.get("via"))


def _bindable(user: User | AnonymousUser) -> TypeGuard[User]:
    return user.is_authenticated and isinstance(user, User) and user.is_active and user.role == Role.CONSUMER


def visit_remember(request: HttpRequest, response: _Response, visit: tuple[str, str] | None) -> _Response:
    """Bind now if the visitor is a logged-in consumer, else keep the first link in the cookie."""
    remembered = visit_from_cookie(request)
    visit = remembered or visit
    if visit is None:
        if VISIT_COOKIE in request.COOKIES:  # forged or expired
            response.delete_cookie(VISIT_COOKIE)
        return response
    user = request.user
    if _bindable(user):
        code, via = visit
        try:
            referral_bind_from_visit(user=user, code=code, via=via)
        except (DomainError, DatabaseError):
            # the page the visitor asked for matters more than the binding; keep the cookie to retry
            logger.exception("binding a share link failed for user %s", user.pk)
            return response
        if VISIT_COOKIE in request.COOKIES:
            response.delete_cookie(VISIT_COOKIE)
    elif remembered is None:
        code, via = visit
        response.set_signed_cookie(VISIT_COOKIE, f"{code}:{via}", salt=VISIT_COOKIE_SALT,
                                   max_age=VISIT_COOKIE_SECONDS, httponly=True, samesite="Lax")
    return response


class ShareVisitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        has_query = "ref" in request.GET
        response = self.get_response(request)
        if not has_query and VISIT_COOKIE not in request.COOKIES:
            return response
        if getattr(request, "share_visit_handled", False):
            return response  # the /r/<code>/ view did it already
        return visit_remember(request, response, visit_from_query(request) if has_query else None)
