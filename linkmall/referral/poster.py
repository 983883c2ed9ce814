"""Share posters (推广海报) and QR codes, drawn locally with Pillow and qrcode — no network.

The QR code and font helpers live in linkmall.core.drawing, shared with the card posters.
The poster carries the mall's name, the promoter's name, a slogan, the store the link leads to
and the QR code of the promoter's share link. Its text needs a CJK font: Debian's Noto Sans CJK is looked for first;
on a machine without one the poster is drawn without text, so the QR code still works.
"""

import hashlib

from django.core.cache import cache
from PIL import Image, ImageDraw

from linkmall.core.drawing import CJK_FONT_CANDIDATES, cjk_font, cjk_font_source, png_bytes, qr_image, qr_png
from linkmall.core.drawing import draw_centered as _centered
from linkmall.core.drawing import fit_text as _fit

POSTER_SIZE = (750, 1200)
QR_SIZE = 400
POSTER_CACHE_SECONDS = 24 * 3600
BRAND_RED = (228, 57, 60)
BRAND_DARK = (176, 32, 38)
INK = (34, 34, 34)
MUTED = (128, 128, 128)
__all__ = ["CJK_FONT_CANDIDATES", "cjk_font_source", "poster_png", "poster_png_cached", "qr_image", "qr_png"]
_font = cjk_font


def poster_png(*, share_url: str, brand: str, promoter_name: str, headline: str, slogan: str, hint: str,
               store: str = "", font_candidates: tuple[tuple[str, int], ...] = CJK_FONT_CANDIDATES) -> bytes:
    """A 750×1200 PNG. `font_candidates` replaces the font search (tests pass () for the fallback)."""
    width, height = POSTER_SIZE
    image = Image.new("RGB", POSTER_SIZE, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    # header band: a two-tone red with soft circles
    draw.rectangle((0, 0, width, 420), fill=BRAND_RED)
    draw.ellipse((width - 260, -140, width + 120, 240), fill=BRAND_DARK)
    draw.ellipse((-120, 260, 200, 580), fill=(240, 110, 112))
    draw.rectangle((0, 420, width, height), fill=(255, 246, 244))

    _centered(draw, 90, _fit(brand, 10), _font(72, font_candidates), (255, 255, 255), width)
    _centered(draw, 200, _fit(slogan, 16), _font(38, font_candidates), (255, 236, 236), width)
    _centered(draw, 270, _fit(headline, 18), _font(32, font_candidates), (255, 255, 255), width)

    # the card holding the QR code
    card = (75, 360, width - 75, 1110)
    draw.rounded_rectangle(card, radius=28, fill=(255, 255, 255), outline=(240, 220, 220), width=2)
    qr = qr_image(share_url).resize((QR_SIZE, QR_SIZE), Image.Resampling.NEAREST)
    image.paste(qr, ((width - QR_SIZE) // 2, 430))
    _centered(draw, 870, _fit(promoter_name, 16), _font(40, font_candidates), INK, width)
    _centered(draw, 935, _fit(hint, 20), _font(28, font_candidates), MUTED, width)
    draw.line((card[0] + 40, 1010, card[2] - 40, 1010), fill=(240, 220, 220), width=2)
    _centered(draw, 1035, _fit(store or brand, 20), _font(26, font_candidates), BRAND_RED, width)

    return png_bytes(image)


def poster_cache_key(*, user_id: int, **parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(f"{k}={v}" for k, v in sorted(parts.items())).encode()).hexdigest()[:24]
    return f"referral:poster:v1:{user_id}:{digest}"


def poster_png_cached(*, user_id: int, share_url: str, brand: str, promoter_name: str, headline: str,
                      slogan: str, hint: str, store: str = "") -> tuple[bytes, str]:
    """(png, etag) of a user's poster, drawn once per user and wording, then served from the cache."""
    parts = {"share_url": share_url, "brand": brand, "promoter_name": promoter_name, "headline": headline,
             "slogan": slogan, "hint": hint, "store": store}
    key = poster_cache_key(user_id=user_id, **parts)
    png = cache.get(key)
    if png is None:
        png = poster_png(share_url=share_url, brand=brand, promoter_name=promoter_name, headline=headline,
                         slogan=slogan, hint=hint, store=store)
        cache.set(key, png, POSTER_CACHE_SECONDS)
    return png, key.rsplit(":", 1)[-1]
