"""A one-second page cache for the browsing pages (store, categories, product), the hottest ones.

A product page is the same HTML for every visitor except for the CSRF token, so the page is
rendered once with a placeholder and each response gets its visitor's own token. Entries live
`PAGE_MICROCACHE_SECONDS` (settings.LINKMALL, default 1; 0 turns the cache off): the price and
stock a visitor sees are at most that old, and placing the order checks both again anyway.

Only plain GETs are cached: no query string (the page's links are built from the path) and no
flash message waiting to be shown (messages travel in the "messages" cookie).
"""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language

CSRF_PLACEHOLDER = "__linkmall_csrf_token_placeholder__"


def seconds() -> int:
    return int(settings.LINKMALL.get("PAGE_MICROCACHE_SECONDS", 1))


def key_for(request, name: str, *parts) -> str | None:
    """The cache key of this request's page, or None when the page must be rendered fresh."""
    if request.method != "GET" or request.GET or "messages" in request.COOKIES or seconds() <= 0:
        return None
    return ":".join(["web:page", name, get_language() or "", *(str(p) for p in parts)])


def respond(request, html: str) -> HttpResponse:
    # get_token also makes the CSRF middleware send the cookie the token belongs to
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def cached(request, key: str | None) -> HttpResponse | None:
    if key is None:
        return None
    html = cache.get(key)
    return None if html is None else respond(request, html)


def remember(key: str, html: str) -> None:
    cache.set(key, html, seconds())


def render_page(request, key: str | None, template: str, context: dict) -> HttpResponse:
    """Render `template`, remembering it under `key` (with a token placeholder) when there is one."""
    if key is None:
        return render(request, template, context)
    html = render_to_string(template, {**context, "csrf_token": CSRF_PLACEHOLDER}, request=request)
    remember(key, html)
    return respond(request, html)
