"""The guide edits their own card: pitch, photo, featured products, published or not.

Only the guide themself edits their card (a merchant owner manages guides, not their words).
Featured products must be ones the guide's merchant lists. An uploaded photo is re-encoded here:
EXIF (with a phone's GPS position) is dropped, the orientation applied, and the size bounded.
"""

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from linkmall.accounts.models import Role, User
from linkmall.cards.models import Card
from linkmall.core import clock
from linkmall.core.errors import InvalidInput, NotFound, PermissionDenied
from linkmall.stores.models import Guide, Listing

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MIN_SIDE = 120
PHOTO_MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding them
PHOTO_OUT_SIDE = 640
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
FEATURED_MAX = 12


@dataclass(frozen=True)
class CardEdit:
    headline: str
    bio: str
    is_published: bool
    featured_ids: list[int]
    photo: bytes | None = None  # the uploaded file's bytes, when a new photo was chosen
    remove_photo: bool = False


def card_photo_clean(data: bytes) -> bytes:
    """The upload as a square-cropped ≤640px JPEG, or InvalidInput saying what is wrong with it."""
    if len(data) > PHOTO_MAX_BYTES:
        raise InvalidInput("The photo is larger than 5 MB.", code="photo_too_large", detail={"field": "photo"})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in PHOTO_FORMATS:
                raise InvalidInput("The photo must be a JPEG, PNG or WebP image.", code="photo_format",
                                   detail={"field": "photo"})
            if probe.width * probe.height > PHOTO_MAX_PIXELS:
                raise InvalidInput("The photo has too many pixels.", code="photo_too_large", detail={"field": "photo"})
            image = ImageOps.exif_transpose(probe)
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise InvalidInput("The file is not an image.", code="photo_format", detail={"field": "photo"}) from None
    if min(image.size) < PHOTO_MIN_SIDE:
        raise InvalidInput(f"The photo must be at least {PHOTO_MIN_SIDE}×{PHOTO_MIN_SIDE} pixels.",
                           code="photo_too_small", detail={"field": "photo"})
    side = min(PHOTO_OUT_SIDE, min(image.size))
    square = ImageOps.fit(image.convert("RGB"), (side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, format="JPEG", quality=85, optimize=True)  # no exif= argument: metadata is dropped
    return out.getvalue()


def _guide_of(actor: User, guide_id: int) -> Guide:
    if not actor.is_authenticated or actor.role != Role.GUIDE:
        raise PermissionDenied("Only the guide edits their card.")
    guide = Guide.objects.filter(pk=guide_id).first()
    if guide is None or guide.merchant_id != actor.tenant_id:
        raise NotFound("No such guide.")  # another merchant's guide: the same answer as none
    if guide.user_id != actor.pk:
        raise PermissionDenied("Only the guide edits their card.")
    return guide


def card_update(*, actor: User, guide_id: int, edit: CardEdit) -> Card:
    guide = _guide_of(actor, guide_id)
    headline, bio = edit.headline.strip(), edit.bio.strip()
    if len(headline) > 60 or len(bio) > 500:
        raise InvalidInput("The headline or bio is too long.", detail={"field": "headline" if len(headline) > 60
                                                                      else "bio"})
    featured = list(dict.fromkeys(edit.featured_ids))
    if len(featured) > FEATURED_MAX:
        raise InvalidInput(f"Feature at most {FEATURED_MAX} products.", detail={"field": "featured"})
    listed = set(Listing.objects.filter(merchant_id=guide.merchant_id, product_id__in=featured, is_active=True)
                 .values_list("product_id", flat=True))
    if set(featured) - listed:
        raise InvalidInput("Feature only products your shop lists.", code="not_listed",
                           detail={"field": "featured", "product_ids": sorted(set(featured) - listed)})
    photo = card_photo_clean(edit.photo) if edit.photo else None
    with transaction.atomic():
        card, _ = Card.objects.select_for_update().get_or_create(guide=guide)
        card.headline, card.bio, card.is_published = headline, bio, edit.is_published
        card.updated_at = clock.now()
        if photo is not None:
            card.photo.save(f"guide-{guide.pk}.jpg", ContentFile(photo), save=False)
        elif edit.remove_photo:
            card.photo = ""
        card.save()
        # rows are added one by one so their order is the order the guide picked
        card.featured.clear()
        for product_id in featured:
            card.featured.add(product_id)
    return card
