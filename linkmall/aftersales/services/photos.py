"""Photos of an after-sales request: images only, by their decoded content, within the limits."""

import uuid
import warnings
from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from PIL import Image

from linkmall.aftersales import rules
from linkmall.aftersales.models import AfterSalePhoto, AfterSaleRequest
from linkmall.core.errors import InvalidInput

#: more pixels than a phone camera makes; beyond it a small file may be a decompression bomb
MAX_PIXELS = 50_000_000


def photos_validate(*, photos: Sequence[UploadedFile]) -> list[str]:
    """Check every photo; returns the file extension of each, from its real format."""
    photos = list(photos)
    limit = rules.max_photos()
    if len(photos) > limit:
        raise InvalidInput(
            f"At most {limit} photos.", code="too_many_photos", detail={"max": limit, "given": len(photos)}
        )
    max_bytes = rules.max_photo_bytes()
    extensions = []
    for index, photo in enumerate(photos):
        if photo.size is not None and photo.size > max_bytes:
            raise InvalidInput(
                f"Photo {index + 1} is larger than {max_bytes} bytes.",
                code="photo_too_large",
                detail={"index": index, "max_bytes": max_bytes, "size": photo.size},
            )
        extensions.append(_image_extension(photo, index=index))
    return extensions


def _image_extension(photo: UploadedFile, *, index: int) -> str:
    not_an_image = InvalidInput(
        f"Photo {index + 1} is not a JPEG, PNG, WebP or GIF image.",
        code="photo_not_an_image",
        detail={"index": index, "allowed": sorted(rules.PHOTO_FORMATS)},
    )
    try:
        photo.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(photo) as image:
                image_format = image.format
                width, height = image.size
                image.verify()
    except Exception:  # Pillow raises many types for a file that is not a sound image
        raise not_an_image from None
    finally:
        photo.seek(0)
    if image_format not in rules.PHOTO_FORMATS or width * height > MAX_PIXELS:
        raise not_an_image
    return rules.PHOTO_FORMATS[image_format]


def photos_attach(*, request: AfterSaleRequest, photos: Sequence[UploadedFile], extensions: list[str]) -> None:
    """Store validated photos under names we choose (a client's file name is never used)."""
    for photo, extension in zip(photos, extensions, strict=True):
        row = AfterSalePhoto(request=request)
        photo.seek(0)
        row.image.save(f"{uuid.uuid4().hex}.{extension}", photo, save=True)
