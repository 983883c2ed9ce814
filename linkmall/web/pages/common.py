"""Helpers shared by the consumer pages: the store being shopped, and domain errors as page answers
(in the words of `core.error_codes`)."""

from typing import NoReturn

from django.contrib import messages
from django.http import Http404

from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.web.templatetags.web import CURRENT_STORE_COOKIE, current_store_id

REMEMBER_STORE_SECONDS = 90 * 24 * 3600


def remember_store(request, response, store_id: int):
    """The tab bar's 首页/分类 lead back to the store last visited. The cookie is only sent when
    it changes."""
    if current_store_id(request) != store_id:
        response.set_cookie(CURRENT_STORE_COOKIE, str(store_id), max_age=REMEMBER_STORE_SECONDS,
                            samesite="Lax", httponly=True)
    return response


def not_found_as_404(exc: NotFound) -> NoReturn:
    """Another tenant's object, or an unknown one, answers 404 — the same page either way."""
    raise Http404(exc.message) from exc


def flash_error(request, exc: DomainError) -> None:
    messages.error(request, error_text(exc))


