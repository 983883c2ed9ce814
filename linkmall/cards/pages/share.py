"""A card's QR code and share poster, as shared by the visitor asking for them.

Both carry the visitor's own share link (`?s=…`, plus `ref` for a logged-in consumer), so they
are private to the visitor; they are drawn once per link and wording, then served from the cache
with an ETag.
"""

import hashlib

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from PIL import Image, UnidentifiedImageError

from linkmall.cards import selectors
from linkmall.cards.drawing import card_poster_png
from linkmall.cards.pages.common import or_404
from linkmall.cards.sharing import card_share_path
from linkmall.core.drawing import qr_png
from linkmall.customers.tracking import visitor_ensure

IMAGE_CACHE_SECONDS = 24 * 3600
BROWSER_CACHE_SECONDS = 3600


def _png(request, key: str, draw) -> HttpResponse:
    etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:24] + '"'
    response: HttpResponse
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        cache_key = f"cards:png:v1:{etag.strip(chr(34))}"
        png = cache.get(cache_key)
        if png is None:
            png = draw()
            cache.set(cache_key, png, IMAGE_CACHE_SECONDS)
        response = HttpResponse(png, content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = f"private, max-age={BROWSER_CACHE_SECONDS}"
    return response


def _share_url(request, card, via: str, response) -> str:
    visitor = visitor_ensure(request, response)
    user = request.user if request.user.is_authenticated else None
    return request.build_absolute_uri(card_share_path(guide_id=card.pk, visitor=visitor, user=user, via=via))


def _with_cookies(target: HttpResponse, source: HttpResponse) -> HttpResponse:
    for morsel in source.cookies.values():
        target.cookies[morsel.key] = morsel
    return target


@require_GET
def card_qr(request, guide_id: int):
    card = or_404(selectors.card_get_published, guide_id=guide_id)
    cookies = HttpResponse()
    url = _share_url(request, card, "qr", cookies)
    return _with_cookies(_png(request, f"qr|{url}", lambda: qr_png(url)), cookies)


def _photo(card) -> Image.Image | None:
    if not card.photo:
        return None
    try:
        with default_storage.open(card.photo.name, "rb") as handle:
            image = Image.open(handle)
            image.load()
            return image
    except (OSError, UnidentifiedImageError):
        return None  # a missing or broken upload: the poster falls back to the drawn avatar


@require_GET
def card_poster(request, guide_id: int):
    card = or_404(selectors.card_get_published, guide_id=guide_id)
    cookies = HttpResponse()
    url = _share_url(request, card, "poster", cookies)
    guide, store = card.guide, card.guide.store
    parts = {
        "share_url": url, "name": selectors.guide_display_name(guide), "title": guide.title,
        "headline": card.headline, "store": store.name, "brand": store.merchant.name,
        "address": f"{store.city} {store.address}",
        "hint": _("长按识别二维码，查看我的名片"),
    }
    key = "poster|" + "|".join(f"{k}={v}" for k, v in sorted(parts.items())) + f"|photo={card.photo.name}"
    return _with_cookies(_png(request, key, lambda: card_poster_png(**parts, photo=_photo(card))), cookies)
