"""The share QR code and the poster: real PNGs, drawn locally, cached per user."""

import io

import pytest
from django.core.cache import cache
from PIL import Image

from linkmall import testing as t
from linkmall.referral.poster import POSTER_SIZE, poster_png, qr_image
from linkmall.referral.sharing import share_code_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def png_of(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def dark_share(image: Image.Image, box) -> float:
    region = image.convert("L").crop(box)
    histogram = region.histogram()
    return sum(histogram[:64]) / (region.width * region.height)


def test_the_poster_is_a_750_by_1200_png_with_the_qr_code_in_its_card(client):
    user = t.make_consumer()
    client.force_login(user)

    response = client.get("/me/promoter/poster.png")

    assert (response.status_code, response["Content-Type"]) == (200, "image/png")
    assert response["Cache-Control"] == "private, max-age=3600"
    image = png_of(response.content)
    assert (image.format, image.size) == ("PNG", POSTER_SIZE)
    assert 0.25 < dark_share(image, (175, 430, 575, 830)) < 0.75  # the QR area is about half dark modules
    assert dark_share(image, (0, 0, 750, 60)) == 0  # the red header has no black


def test_the_poster_is_drawn_once_per_user_and_then_comes_from_the_cache(client, monkeypatch):
    from linkmall.referral import poster

    user = t.make_consumer()
    client.force_login(user)
    drawn = []
    real = poster.poster_png
    monkeypatch.setattr(poster, "poster_png", lambda **kw: drawn.append(kw) or real(**kw))

    first = client.get("/me/promoter/poster.png")
    second = client.get("/me/promoter/poster.png")
    unchanged = client.get("/me/promoter/poster.png", HTTP_IF_NONE_MATCH=first["ETag"])

    assert len(drawn) == 1
    assert first.content == second.content
    assert unchanged.status_code == 304
    assert drawn[0]["share_url"] == f"http://testserver/r/{share_code_for(user_id=user.pk)}/?via=poster"
    assert drawn[0]["promoter_name"] == f"{user.phone[:3]}****{user.phone[-4:]} 邀请你一起逛"


def test_two_promoters_get_two_different_posters(client):
    a, b = t.make_consumer(), t.make_consumer()
    client.force_login(a)
    poster_a = client.get("/me/promoter/poster.png").content
    client.force_login(b)
    poster_b = client.get("/me/promoter/poster.png").content

    assert poster_a != poster_b


def test_the_qr_code_png_encodes_the_qr_share_link(client):
    user = t.make_consumer()
    client.force_login(user)

    response = client.get("/me/promoter/qr.png")

    image = png_of(response.content)
    expected = qr_image(f"http://testserver/r/{share_code_for(user_id=user.pk)}/?via=qr")
    assert (response.status_code, image.format) == (200, "PNG")
    assert image.convert("RGB").tobytes() == expected.tobytes()


def test_without_a_cjk_font_the_poster_is_still_drawn_with_its_qr_code():
    content = poster_png(share_url="http://example.com/r/x/", brand="链动商城", promoter_name="小红",
                         headline="好物", slogan="分享", hint="扫码", font_candidates=())

    image = png_of(content)
    assert image.size == POSTER_SIZE
    assert 0.25 < dark_share(image, (175, 430, 575, 830)) < 0.75
    assert dark_share(image, (75, 860, 675, 1000)) == 0  # no text where the name would be


def test_an_anonymous_visitor_gets_no_poster(client):
    response = client.get("/me/promoter/poster.png")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_poster_names_the_store_the_share_link_leads_to(client, monkeypatch):
    from linkmall.referral import poster
    from linkmall.referral.tests._promoter_world import buy, world_open

    world = world_open()
    user = t.make_consumer()
    buy(world, user)
    client.force_login(user)
    drawn = []
    real = poster.poster_png
    monkeypatch.setattr(poster, "poster_png", lambda **kw: drawn.append(kw) or real(**kw))

    assert client.get("/me/promoter/poster.png").status_code == 200

    assert (drawn[0]["store"], drawn[0]["brand"]) == (world.store.name, "链动商城")
