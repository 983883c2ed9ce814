"""Product pictures drawn locally with Pillow: a gradient in the category's colours with the
product name on it. No network, no stock photos, no licences to track.

The name needs a CJK font. Debian's fonts-noto-cjk is looked for first; on a machine without
one the picture is drawn with shapes only, so the demo still loads.
"""

import io
import math
from functools import lru_cache

from PIL import Image, ImageDraw

from linkmall.core.drawing import cjk_font

#: (top colour, bottom colour) per category slug
CATEGORY_COLOURS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "beauty": ((255, 196, 214), (214, 92, 140)),
    "apparel": ((190, 214, 255), (70, 104, 196)),
    "home": ((255, 232, 190), (196, 140, 72)),
    "fresh": ((200, 240, 190), (66, 156, 84)),
    "baby": ((255, 240, 200), (240, 160, 120)),
}
DEFAULT_COLOURS = ((230, 230, 230), (120, 120, 120))

#: (path, face index) of fonts with Simplified Chinese glyphs, best first: bold reads better on a picture
CJK_FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
)


def _font(size: int, candidates: tuple[tuple[str, int], ...] | None = None):
    return cjk_font(size, CJK_FONT_CANDIDATES if candidates is None else candidates)


@lru_cache(maxsize=16)
def _gradient_of(size: int, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    # one column of the gradient, stretched sideways: fast and exact
    column = Image.new("RGB", (1, size))
    for y in range(size):
        t = y / (size - 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return column.resize((size, size))


def _gradient(size: int, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    return _gradient_of(size, top, bottom).copy()


def _wrap(text: str, per_line: int) -> list[str]:
    return [text[i : i + per_line] for i in range(0, len(text), per_line)][:3]


def product_image(*, name: str, category_slug: str, variant: int = 0, size: int = 480,
                  font_candidates: tuple[tuple[str, int], ...] | None = None) -> bytes:
    """A JPEG picture for a product. `variant` turns the decoration so a product's pictures differ.

    `font_candidates` replaces the font search (tests pass an empty tuple to see the fallback).
    """
    top, bottom = CATEGORY_COLOURS.get(category_slug, DEFAULT_COLOURS)
    image = _gradient(size, top, bottom)
    draw = ImageDraw.Draw(image, "RGBA")

    # decoration: soft circles placed by the name's hash, turned by the variant
    seed = sum(ord(ch) for ch in name) + variant * 97
    for k in range(4):
        angle = (seed * (k + 3) % 360) * math.pi / 180
        radius = size * (0.18 + 0.07 * ((seed >> k) % 3))
        cx = size / 2 + math.cos(angle) * size * 0.32
        cy = size / 2 + math.sin(angle) * size * 0.32
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(255, 255, 255, 46))
    # a "product" block in the middle so even the shape-only picture reads as a product shot
    pad = size * 0.26
    draw.rounded_rectangle((pad, pad * 0.9, size - pad, size - pad * 1.1), radius=size // 18,
                           fill=(255, 255, 255, 150), outline=(255, 255, 255, 230), width=3)

    font = _font(size // 12, font_candidates)
    if font is not None:
        lines = _wrap(name, 8)
        line_height = size // 10
        y = size - pad * 1.1 + size * 0.04
        band_top = y - size * 0.02
        draw.rectangle((0, band_top, size, band_top + line_height * len(lines) + size * 0.04), fill=(0, 0, 0, 70))
        for line in lines:
            width = draw.textlength(line, font=font)
            draw.text(((size - width) / 2, y), line, font=font, fill=(255, 255, 255, 255))
            y += line_height
        initial_font = _font(size // 5, font_candidates)
        initial = name[0]
        width = draw.textlength(initial, font=initial_font)
        draw.text(((size - width) / 2, size * 0.36), initial, font=initial_font, fill=bottom + (255,))

    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82, optimize=True)
    return buffer.getvalue()
