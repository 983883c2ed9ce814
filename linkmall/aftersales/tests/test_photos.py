"""Photos of a request: images only (by content), within the size limit, at most six."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linkmall.aftersales.models import AfterSalePhoto, AfterSaleRequest
from linkmall.aftersales.services import aftersale_request
from linkmall.aftersales.tests.builders import png
from linkmall.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def ask(mall, photos):
    return aftersale_request(
        actor=mall.buyer, line=mall.line, kind="refund_only", quantity=1, reason="外包装破损", photos=photos
    )


def test_photos_are_stored_under_names_we_choose(mall):
    request = ask(mall, [png("../../etc/passwd.png"), png("b.jpg", image_format="JPEG")])

    names = sorted(photo.image.name for photo in request.photos.all())
    assert len(names) == 2
    assert all(name.startswith("aftersales/") for name in names)
    assert sorted(name.rsplit(".", 1)[1] for name in names) == ["jpg", "png"]
    assert not any("passwd" in name for name in names)
    for photo in request.photos.all():
        assert photo.image.storage.exists(photo.image.name)


def test_six_photos_are_accepted(mall):
    request = ask(mall, [png(f"{i}.png") for i in range(6)])

    assert request.photos.count() == 6


def test_a_seventh_photo_is_refused_and_nothing_is_created(mall):
    with pytest.raises(InvalidInput) as refused:
        ask(mall, [png(f"{i}.png") for i in range(7)])

    assert refused.value.code == "too_many_photos"
    assert refused.value.detail == {"max": 6, "given": 7}
    assert AfterSaleRequest.objects.count() == 0
    assert AfterSalePhoto.objects.count() == 0


def test_a_photo_over_the_size_limit_is_refused(mall, settings):
    settings.LINKMALL = {**settings.LINKMALL, "AFTERSALE_PHOTO_MAX_BYTES": 100}
    big = png(size=(400, 400))

    with pytest.raises(InvalidInput) as refused:
        ask(mall, [big])

    assert refused.value.code == "photo_too_large"
    assert refused.value.detail == {"index": 0, "max_bytes": 100, "size": big.size}
    assert AfterSaleRequest.objects.count() == 0


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("evil.jpg", b"<script>alert(1)</script>", content_type="image/jpeg"),
        SimpleUploadedFile("empty.png", b"", content_type="image/png"),
        SimpleUploadedFile("cut.png", png().read()[:40], content_type="image/png"),
    ],
    ids=["html-named-jpg", "empty", "truncated-png"],
)
def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(mall, upload):
    with pytest.raises(InvalidInput) as refused:
        ask(mall, [png(), upload])

    assert refused.value.code == "photo_not_an_image"
    assert refused.value.detail["index"] == 1
    assert AfterSaleRequest.objects.count() == 0
    assert AfterSalePhoto.objects.count() == 0


def test_an_image_in_a_format_we_do_not_take_is_refused(mall):
    with pytest.raises(InvalidInput) as refused:
        ask(mall, [png("scan.bmp", image_format="BMP")])

    assert refused.value.code == "photo_not_an_image"
    assert AfterSaleRequest.objects.count() == 0
