"""API authentication: a Bearer token (mini-program, API clients) or the browser session.

Session requests that change state must carry the CSRF token, as the pages do.
"""

import hashlib

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware
from ninja.security import HttpBearer
from ninja.security.base import AuthBase

from linkmall.accounts.models import ApiToken
from linkmall.core import clock


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def bearer_token(request) -> str | None:
    """The token of an `Authorization: Bearer …` header, if there is one."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    return header[7:].strip() or None


def _no_view(request: HttpRequest) -> HttpResponse:
    """The view the CSRF check is asked about: not exempt, and never called."""
    raise AssertionError("not a view")  # pragma: no cover


def _csrf_ok(request) -> bool:
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return True
    # as ninja's own check_csrf: the middleware only runs its checks, it never calls either callable
    check = CsrfViewMiddleware(lambda r: HttpResponseForbidden())
    check.process_request(request)
    return check.process_view(request, _no_view, (), {}) is None


class TokenOrSessionAuth(AuthBase):
    openapi_type = "http"
    openapi_scheme = "bearer"

    def __init__(self):
        super().__init__()
        self._bearer = _Bearer()

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            return self._bearer(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active and _csrf_ok(request):
            return user
        return None


class _Bearer(HttpBearer):
    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=token_hash(token), revoked_at__isnull=True, expires_at__gt=clock.now())
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        request.user = row.user
        return row.user


api_auth = TokenOrSessionAuth()
