"""The guide edits their own card; the merchant owner manages promotions. Tenancy is enforced."""

import io
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from linkmall.cards.models import Card, Promotion
from linkmall.cards.selectors import card_featured_ids
from linkmall.cards.services import CardEdit, card_photo_clean, card_update, promotion_save
from linkmall.cards.slots import STORE_TZ
from linkmall.core import clock
from linkmall.core.errors import InvalidInput, NotFound, PermissionDenied
from linkmall.testing import (
    make_consumer,
    make_guide,
    make_listing,
    make_merchant,
    make_merchant_owner,
    make_product,
    make_store,
    make_supplier,
)

pytestmark = pytest.mark.django_db


def image_bytes(size=(400, 300), fmt="JPEG", colour=(200, 30, 30), exif: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    extra = {"exif": exif} if exif else {}
    Image.new("RGB", size, colour).save(buffer, format=fmt, **extra)
    return buffer.getvalue()


def edit(**overrides) -> CardEdit:
    values = {"headline": "新的一句话", "bio": "新的简介", "is_published": True, "featured_ids": []}
    return CardEdit(**{**values, **overrides})


def test_the_guide_updates_their_card_in_the_order_they_pick_products(shop):
    card = card_update(actor=shop.guide.user, guide_id=shop.guide.pk,
                       edit=edit(featured_ids=[shop.lipstick.pk, shop.cream.pk, shop.lipstick.pk]))

    card.refresh_from_db()
    assert (card.headline, card.bio, card.is_published) == ("新的一句话", "新的简介", True)
    assert card_featured_ids(card) == [shop.lipstick.pk, shop.cream.pk]


def test_a_product_the_merchant_does_not_list_cannot_be_featured_and_nothing_changes(shop):
    with pytest.raises(InvalidInput) as refused:
        card_update(actor=shop.guide.user, guide_id=shop.guide.pk, edit=edit(featured_ids=[shop.unlisted.pk]))

    assert refused.value.code == "not_listed"
    shop.card.refresh_from_db()
    assert shop.card.headline == "资深美妆顾问 · 8 年"


def test_another_guide_or_another_merchants_guide_cannot_edit_the_card(shop):
    colleague = make_guide(shop.store)
    stranger = make_guide(make_store(make_merchant()))

    with pytest.raises(PermissionDenied):
        card_update(actor=colleague.user, guide_id=shop.guide.pk, edit=edit())
    with pytest.raises(NotFound):
        card_update(actor=stranger.user, guide_id=shop.guide.pk, edit=edit())
    with pytest.raises(PermissionDenied):
        card_update(actor=make_merchant_owner(shop.merchant), guide_id=shop.guide.pk, edit=edit())
    shop.card.refresh_from_db()
    assert shop.card.headline == "资深美妆顾问 · 8 年"


def test_a_photo_is_cropped_square_re_encoded_and_stripped_of_its_metadata():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make

    cleaned = Image.open(io.BytesIO(card_photo_clean(image_bytes((1600, 1200), exif=exif.tobytes()))))

    assert (cleaned.format, cleaned.size) == ("JPEG", (640, 640))
    assert dict(cleaned.getexif()) == {}


@pytest.mark.parametrize(("data", "code"), [
    (b"not an image at all", "photo_format"),
    (image_bytes((80, 80)), "photo_too_small"),
    (image_bytes(fmt="GIF"), "photo_format"),
    (b"\xff" * (5 * 1024 * 1024 + 1), "photo_too_large"),
])
def test_a_bad_photo_is_refused_with_its_reason(data, code):
    with pytest.raises(InvalidInput) as refused:
        card_photo_clean(data)

    assert refused.value.code == code


# --- the editor page ----------------------------------------------------------------------------


def test_the_editor_offers_the_merchants_listed_products_and_saves_a_photo(client, shop):
    client.force_login(shop.guide.user)
    page = client.get(reverse("cards:card_edit"))
    assert page.status_code == 200
    assert f'value="{shop.cream.pk}"' in page.text and f'value="{shop.unlisted.pk}"' not in page.text

    response = client.post(reverse("cards:card_edit"), {
        "headline": "口红专家", "bio": "", "featured": [shop.cream.pk], "is_published": "on",
        "photo": SimpleUploadedFile("me.png", image_bytes(fmt="PNG"), content_type="image/png"),
    })

    assert response.status_code == 302
    card = Card.objects.get(pk=shop.guide.pk)
    assert (card.headline, card_featured_ids(card), card.photo.name) == (
        "口红专家", [shop.cream.pk], f"cards/{clock.now():%Y/%m}/guide-{shop.guide.pk}.jpg")


def test_an_upload_that_is_not_an_image_is_a_form_error(client, shop):
    client.force_login(shop.guide.user)

    response = client.post(reverse("cards:card_edit"), {
        "headline": "x", "photo": SimpleUploadedFile("me.jpg", b"MZ\x90\x00", content_type="image/jpeg"),
    })

    assert response.status_code == 400
    assert "请上传 JPG、PNG 或 WebP 格式的照片。" in response.text
    assert Card.objects.get(pk=shop.guide.pk).headline == "资深美妆顾问 · 8 年"


def test_unpublishing_hides_the_card(client, shop):
    client.force_login(shop.guide.user)

    client.post(reverse("cards:card_edit"), {"headline": "暂停", "bio": ""})

    assert client.get(reverse("cards:card", args=[shop.guide.pk])).status_code == 404


def test_the_editor_is_for_guides_only(client, shop):
    client.force_login(make_consumer())
    assert client.get(reverse("cards:card_edit")).status_code == 403
    client.logout()
    assert client.get(reverse("cards:card_edit")).url == "/staff/login/?next=/guide/card/"


# --- promotions ---------------------------------------------------------------------------------


def test_the_merchant_owner_creates_edits_and_deletes_promotions_on_the_console(client, shop):
    owner = make_merchant_owner(shop.merchant)
    client.force_login(owner)

    created = client.post(reverse("cards:promotion_new"), {
        "title": "会员日", "detail": "满 200 减 30", "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-08T22:00",
        "is_active": "on"})
    promotion = Promotion.objects.get()
    edited = client.post(reverse("cards:promotion_edit", args=[promotion.pk]), {
        "title": "会员日 · 加码", "detail": "", "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-09T22:00"})
    listed = client.get(reverse("cards:promotions"))

    assert created.status_code == edited.status_code == 302
    promotion.refresh_from_db()
    assert (promotion.merchant_id, promotion.title, promotion.is_active) == (shop.merchant.pk, "会员日 · 加码", False)
    assert promotion.ends_at == datetime(2026, 12, 9, 22, 0, tzinfo=STORE_TZ)
    assert "会员日 · 加码" in listed.text
    assert client.post(reverse("cards:promotion_delete", args=[promotion.pk])).status_code == 302
    assert Promotion.objects.count() == 0


def test_a_promotion_that_ends_before_it_starts_is_a_form_error(client, shop):
    client.force_login(make_merchant_owner(shop.merchant))

    response = client.post(reverse("cards:promotion_new"), {
        "title": "反了", "starts_at": "2026-12-08T10:00", "ends_at": "2026-12-01T10:00"})

    assert response.status_code == 400
    assert "结束时间必须晚于开始时间。" in response.text
    assert Promotion.objects.count() == 0


def test_another_merchants_promotion_is_not_found_and_stays_unchanged(client, shop):
    now = clock.now()
    theirs = promotion_save(actor=make_merchant_owner(shop.merchant), title="我们的", detail="", starts_at=now,
                            ends_at=now + timedelta(days=1))
    other_owner = make_merchant_owner(make_merchant())
    client.force_login(other_owner)

    assert client.get(reverse("cards:promotion_edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("cards:promotion_delete", args=[theirs.pk])).status_code == 404
    with pytest.raises(NotFound):
        promotion_save(actor=other_owner, promotion_id=theirs.pk, title="抢了", detail="", starts_at=now,
                       ends_at=now + timedelta(days=1))
    assert list(Promotion.objects.values_list("title", flat=True)) == ["我们的"]


def test_featured_products_of_a_second_merchant_listing_are_fine_only_for_that_merchant(shop):
    other = make_merchant()
    product = make_product(make_supplier())
    make_listing(other, product.skus.get())

    with pytest.raises(InvalidInput):
        card_update(actor=shop.guide.user, guide_id=shop.guide.pk, edit=edit(featured_ids=[product.pk]))
