"""Images drawn locally with Pillow and qrcode — no network: QR codes and CJK text for posters.

Shared by every poster of the site (promoter posters, business-card posters). Text needs a CJK
font: Debian's Noto Sans CJK is looked for first; on a machine without one, text is skipped so a
poster's QR code still works.
"""

import io
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

#: (path, face index) of fonts with Simplified Chinese glyphs, best first (index 2 = SC in Noto's .ttc)
CJK_FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)


@lru_cache(maxsize=4)
def cjk_font_source(candidates: tuple[tuple[str, int], ...] = CJK_FONT_CANDIDATES) -> tuple[str, int] | None:
    """The first installed CJK font, or None when the machine has none."""
    for path, index in candidates:
        if Path(path).is_file():
            try:
                ImageFont.truetype(path, 12, index=index)
            except OSError:
                continue
            return path, index
    return None


@lru_cache(maxsize=32)
def cjk_font(size: int, candidates: tuple[tuple[str, int], ...] = CJK_FONT_CANDIDATES) -> ImageFont.FreeTypeFont | None:
    """A CJK font of `size` pixels, or None (callers then draw no text)."""
    source = cjk_font_source(candidates)
    return None if source is None else ImageFont.truetype(source[0], size, index=source[1])


def qr_image(url: str, *, box_size: int = 10) -> Image.Image:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=2)
    code.add_data(url)
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color="black", back_color="white").get_image()  # qrcode is untyped
    return image.convert("RGB")


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def qr_png(url: str) -> bytes:
    return png_bytes(qr_image(url))


def fit_text(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, so a long name never runs off the image."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def draw_centered(
    draw: ImageDraw.ImageDraw,
    y: float,
    text: str,
    font: ImageFont.FreeTypeFont | None,
    fill: tuple[int, ...] | str,
    width: int,
) -> None:
    if font is None or not text:
        return
    text_width = draw.textlength(text, font=font)
    draw.text(((width - text_width) / 2, y), text, font=font, fill=fill)
