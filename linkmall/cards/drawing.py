"""Pictures of a card, drawn locally with Pillow: the placeholder avatar and the share poster.

QR codes and CJK text come from linkmall.core.drawing, shared with the promoter posters.
"""

import hashlib

from PIL import Image, ImageDraw, ImageOps

from linkmall.core.drawing import CJK_FONT_CANDIDATES, cjk_font, draw_centered, fit_text, png_bytes, qr_image

POSTER_SIZE = (750, 1334)
PHOTO_SIZE = 220
QR_SIZE = 300
#: soft background colours for placeholder avatars; the name picks one, so it never changes
AVATAR_COLOURS = ((228, 57, 60), (47, 111, 221), (26, 155, 83), (217, 138, 0), (124, 77, 255), (0, 150, 160))
INK = (34, 34, 34)
MUTED = (120, 120, 120)
BRAND = (228, 57, 60)


def avatar_colour(name: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(name.encode()).digest()
    return AVATAR_COLOURS[digest[0] % len(AVATAR_COLOURS)]


def avatar_image(name: str, size: int = 240,
                 font_candidates: tuple[tuple[str, int], ...] = CJK_FONT_CANDIDATES) -> Image.Image:
    """A square avatar: the name's first character on a colour chosen by the name."""
    image = Image.new("RGB", (size, size), avatar_colour(name))
    draw = ImageDraw.Draw(image)
    initial = (name.strip() or "?")[0].upper()
    font = cjk_font(size // 2, font_candidates)
    if font is not None:
        left, top, right, bottom = draw.textbbox((0, 0), initial, font=font)
        draw.text(((size - (right - left)) / 2 - left, (size - (bottom - top)) / 2 - top), initial, font=font,
                  fill=(255, 255, 255))
    return image


def avatar_png(name: str) -> bytes:
    return png_bytes(avatar_image(name))


def _round(photo: Image.Image, size: int) -> Image.Image:
    square = ImageOps.fit(photo.convert("RGB"), (size, size), Image.Resampling.LANCZOS)
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, size - 1, size - 1), fill=255)
    out = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    out.paste(square, (0, 0), mask)
    return out


def card_poster_png(*, share_url: str, name: str, title: str, headline: str, store: str, address: str,
                    hint: str, brand: str = "", photo: Image.Image | None = None,
                    font_candidates: tuple[tuple[str, int], ...] = CJK_FONT_CANDIDATES) -> bytes:
    """A 750×1334 PNG (a phone screen at 2×): the merchant's name, photo, name, title, headline, the QR
    code, and the store with its address."""
    width, height = POSTER_SIZE
    image = Image.new("RGB", POSTER_SIZE, (255, 246, 244))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 470), fill=BRAND)
    draw.ellipse((width - 280, -160, width + 140, 260), fill=(199, 44, 47))
    draw.ellipse((-160, 300, 220, 640), fill=(240, 110, 112))
    font = lambda size: cjk_font(size, font_candidates)  # noqa: E731

    card = (50, 300, width - 50, height - 60)
    draw.rounded_rectangle(card, radius=32, fill=(255, 255, 255), outline=(240, 220, 220), width=2)
    face = _round(photo if photo is not None else avatar_image(name, PHOTO_SIZE, font_candidates), PHOTO_SIZE)
    ring = ((width - PHOTO_SIZE) // 2 - 8, 190 - 8, (width + PHOTO_SIZE) // 2 + 8, 190 + PHOTO_SIZE + 8)
    draw.ellipse(ring, fill=(255, 255, 255))
    image.paste(face, ((width - PHOTO_SIZE) // 2, 190), face)

    draw_centered(draw, 80, fit_text(brand or store, 16), font(40), (255, 255, 255), width)
    draw_centered(draw, 440, fit_text(name, 12), font(52), INK, width)
    draw_centered(draw, 515, fit_text(title, 20), font(30), MUTED, width)
    draw_centered(draw, 570, fit_text(headline, 22), font(30), BRAND, width)
    draw.line((card[0] + 50, 640, card[2] - 50, 640), fill=(240, 220, 220), width=2)

    qr = qr_image(share_url).resize((QR_SIZE, QR_SIZE), Image.Resampling.NEAREST)
    image.paste(qr, ((width - QR_SIZE) // 2, 690))
    draw_centered(draw, 1010, fit_text(hint, 22), font(28), MUTED, width)
    draw_centered(draw, 1120, fit_text(store, 22), font(30), INK, width)
    draw_centered(draw, 1170, fit_text(address, 26), font(24), MUTED, width)
    return png_bytes(image)
