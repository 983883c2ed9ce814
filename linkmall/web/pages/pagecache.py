"""A one-second page cache for the browsing pages (store, categories, product), the hottest ones.

A product page is the same HTML for every visitor except for the CSRF token, so the page is
rendered once with a placeholder and each response gets its visitor's own token. Entries live
`PAGE_MICROCACHE_SECONDS` (settings.LINKMALL, default 1; 0 turns the cache off): the price and
stock a visitor sees are at most that old, and placing the order checks both again anyway.

Only plain GETs are cached: no query string (the page's links are built from the path) and no
flash message waiting to be shown (messages travel in the "messages" cookie).

When an entry expires, the requests that find it gone at the same moment do not all render it:
the first one renders while the others of the same process wait for it and answer with its HTML
(`page`). Without that, every expiry of a busy page made each thread of each worker render the
same page at once on two cores, and all of them answered late (the store home's p99 under load).
"""

import threading
import zlib
from collections.abc import Callable
from typing import SupportsInt

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language

CSRF_PLACEHOLDER = "__linkmall_csrf_token_placeholder__"


def seconds() -> int:
    value = settings.LINKMALL.get("PAGE_MICROCACHE_SECONDS", 1)
    if not isinstance(value, str | SupportsInt):  # settings.LINKMALL also holds other things
        raise TypeError(f"settings.LINKMALL['PAGE_MICROCACHE_SECONDS'] must be a whole number, not {value!r}.")
    return int(value)


def key_for(request, name: str, *parts) -> str | None:
    """The cache key of this request's page, or None when the page must be rendered fresh."""
    if request.method != "GET" or request.GET or "messages" in request.COOKIES or seconds() <= 0:
        return None
    return ":".join(["web:page", name, get_language() or "", *(str(p) for p in parts)])


def respond(request, html: str) -> HttpResponse:
    # get_token also makes the CSRF middleware send the cookie the token belongs to
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def remember(key: str, html: str) -> None:
    cache.set(key, html, seconds())


#: renders of different keys run side by side; of one key, one at a time. A fixed pool: a key's lock
#: is found by a hash, so the pool never grows, and two keys sharing a lock only queue their renders.
_RENDER_LOCKS = [threading.Lock() for _ in range(64)]


def _render_lock(key: str) -> threading.Lock:
    return _RENDER_LOCKS[zlib.crc32(key.encode()) % len(_RENDER_LOCKS)]


def page(request, key: str | None, build: Callable[[], tuple[str, dict]]) -> HttpResponse:
    """The cached page under `key`, else the page `build()` names (template, context), rendered once.

    `build` runs only on a miss, so the reads it makes are skipped on a hit; what it raises (a 404)
    passes through. A request that finds the entry missing while another thread of this process
    renders it waits for that render instead of repeating it.
    """
    if key is None:
        template, context = build()
        return render(request, template, context)
    html = cache.get(key)
    if html is None:
        with _render_lock(key):
            html = cache.get(key)  # rendered by the thread this one waited for
            if html is None:
                template, context = build()
                html = _render_with_placeholder(request, key, template, context)
    return respond(request, html)


def _render_with_placeholder(request, key: str, template: str, context: dict) -> str:
    html = render_to_string(template, {**context, "csrf_token": CSRF_PLACEHOLDER}, request=request)
    remember(key, html)
    return html
