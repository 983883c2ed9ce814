"""The after-sales rules that are settings: deadlines, windows and photo limits.

Each reads settings.LINKMALL at call time, so tests (and operators) can change them.
"""

from datetime import timedelta
from typing import SupportsInt

from django.conf import settings

#: what a photo may be, by its decoded content (never by the client's file name or header)
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def _setting(name: str, default: int) -> int:
    value = settings.LINKMALL.get(name, default)
    if not isinstance(value, str | SupportsInt):  # settings.LINKMALL also holds other things
        raise TypeError(f"settings.LINKMALL[{name!r}] must be a whole number, not {value!r}.")
    return int(value)


def response_time() -> timedelta:
    """How long a supplier/merchant (or the consumer, for shipping a return) has to act."""
    return timedelta(hours=_setting("AFTERSALE_RESPONSE_HOURS", 48))


def request_window() -> timedelta:
    """How long after receipt of the goods a consumer may still ask for after-sales."""
    return timedelta(days=_setting("AFTERSALE_WINDOW_DAYS", 15))


def max_photos() -> int:
    return _setting("AFTERSALE_MAX_PHOTOS", 6)


def max_photo_bytes() -> int:
    return _setting("AFTERSALE_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
