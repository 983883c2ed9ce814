"""A card's QR code and poster carry the sharer's own link; the card holder keeps cards."""

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from linkmall.accounts.sharecodes import share_code_for
from linkmall.cards import drawing
from linkmall.cards.models import Card, CardHolding
from linkmall.cards.services import card_hold, card_release
from linkmall.cards.sharing import card_share_path
from linkmall.core.drawing import qr_image
from linkmall.core.errors import PermissionDenied
from linkmall.customers.models import Visitor
from linkmall.customers.tracking import visitor_share_token
from linkmall.testing import make_consumer, make_guide
from linkmall.web.tests.html import texts_by_class

pytestmark = pytest.mark.django_db


def test_the_share_path_names_the_channel_and_adds_the_referral_code_only_for_consumers(shop):
    visitor = Visitor.objects.create(key="b" * 32)
    consumer = make_consumer()
    token = visitor_share_token(visitor)
    base = f"/card/{shop.guide.pk}/"

    assert card_share_path(guide_id=shop.guide.pk, visitor=visitor, user=None) == f"{base}?s={token}"
    assert card_share_path(guide_id=shop.guide.pk, visitor=visitor, user=None, via="qr") == f"{base}?s={token}&via=qr"
    assert card_share_path(guide_id=shop.guide.pk, visitor=visitor, user=consumer, via="poster") == (
        f"{base}?s={token}&ref={share_code_for(user_id=consumer.pk)}&via=poster")
    assert card_share_path(guide_id=shop.guide.pk, visitor=visitor, user=shop.guide.user) == f"{base}?s={token}"
    with pytest.raises(ValueError):
        card_share_path(guide_id=shop.guide.pk, visitor=visitor, user=None, via="evil")


def _decoded_qr_matches(png: bytes, url: str) -> bool:
    return Image.open(io.BytesIO(png)).convert("RGB").tobytes() == qr_image(url).tobytes()


def test_the_qr_code_is_the_visitors_own_link_through_the_qr_channel(client, shop):
    client.get(reverse("cards:card", args=[shop.guide.pk]))
    visitor = Visitor.objects.get()

    response = client.get(reverse("cards:card_qr", args=[shop.guide.pk]))

    expected = f"http://testserver/card/{shop.guide.pk}/?s={visitor_share_token(visitor)}&via=qr"
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert _decoded_qr_matches(response.content, expected)
    assert client.get(reverse("cards:card_qr", args=[shop.guide.pk]),
                      HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_the_poster_is_drawn_once_per_link_and_wording_then_served_from_the_cache(client, shop, monkeypatch):
    drawn = []
    real = drawing.card_poster_png

    def counting(**kwargs):
        drawn.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr("linkmall.cards.pages.share.card_poster_png", counting)
    consumer = make_consumer()
    client.force_login(consumer)
    url = reverse("cards:card_poster", args=[shop.guide.pk])

    first, second = client.get(url), client.get(url)

    assert first.status_code == second.status_code == 200
    assert first.content == second.content and first["ETag"] == second["ETag"]
    assert len(drawn) == 1
    query = parse_qs(urlsplit(drawn[0]["share_url"]).query)
    assert query["ref"] == [share_code_for(user_id=consumer.pk)] and query["via"] == ["poster"]
    assert (drawn[0]["name"], drawn[0]["headline"], drawn[0]["store"]) == ("王小美", "资深美妆顾问 · 8 年", "湖滨银泰店")
    assert Image.open(io.BytesIO(first.content)).size == drawing.POSTER_SIZE


def test_a_poster_without_a_cjk_font_still_carries_a_working_qr_code():
    png = drawing.card_poster_png(share_url="http://x/card/1/", name="王", title="", headline="", store="店",
                                  address="", hint="", font_candidates=())

    assert Image.open(io.BytesIO(png)).size == drawing.POSTER_SIZE


def test_the_poster_uses_the_guides_photo_when_there_is_one(client, shop):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), (0, 200, 0)).save(buffer, format="JPEG")
    shop.card.photo = SimpleUploadedFile("me.jpg", buffer.getvalue(), content_type="image/jpeg")
    shop.card.save()

    poster = Image.open(io.BytesIO(client.get(reverse("cards:card_poster", args=[shop.guide.pk])).content))

    red, green, blue = poster.convert("RGB").getpixel((drawing.POSTER_SIZE[0] // 2, 190 + drawing.PHOTO_SIZE // 2))
    assert green > 150 and red < 60 and blue < 60


# --- the card holder ----------------------------------------------------------------------------


def test_saving_a_card_twice_keeps_one_holding_and_releasing_it_removes_it(shop):
    customer = make_consumer()

    first, second = card_hold(user=customer, guide_id=shop.guide.pk), card_hold(user=customer, guide_id=shop.guide.pk)

    assert first.pk == second.pk and CardHolding.objects.count() == 1
    assert card_release(user=customer, guide_id=shop.guide.pk) is True
    assert card_release(user=customer, guide_id=shop.guide.pk) is False
    assert CardHolding.objects.count() == 0


def test_saving_the_card_of_a_guide_who_never_edited_it_creates_the_card(shop):
    guide = make_guide(shop.store)

    card_hold(user=make_consumer(), guide_id=guide.pk)

    assert Card.objects.get(guide=guide).is_published is True


def test_only_customers_keep_a_card_holder(shop):
    with pytest.raises(PermissionDenied):
        card_hold(user=shop.guide.user, guide_id=shop.guide.pk)
    assert CardHolding.objects.count() == 0


def test_saving_from_the_page_asks_an_anonymous_visitor_to_log_in_and_come_back_to_the_card(client, shop):
    response = client.post(reverse("cards:card_save", args=[shop.guide.pk]))

    assert response.url == f"/login/?next=/card/{shop.guide.pk}/"
    assert CardHolding.objects.count() == 0


def test_the_card_holder_lists_my_cards_newest_first(client, shop, django_assert_num_queries):
    customer = make_consumer()
    second = make_guide(shop.store)
    card_hold(user=customer, guide_id=shop.guide.pk)
    card_hold(user=customer, guide_id=second.pk)
    card_hold(user=make_consumer(), guide_id=shop.guide.pk)  # someone else's
    client.force_login(customer)

    with django_assert_num_queries(3):  # session, user, holdings
        response = client.get(reverse("cards:holder"))

    names = [t.split()[0] for t in texts_by_class(response.text, "bc-holder")]
    assert names == [second.user.display_name, "王小美"]


def test_the_card_page_shows_a_saved_card_as_saved_and_removing_it_goes_back(client, shop):
    customer = make_consumer()
    client.force_login(customer)
    client.post(reverse("cards:card_save", args=[shop.guide.pk]))

    assert "已收藏" in client.get(reverse("cards:card", args=[shop.guide.pk])).text
    response = client.post(reverse("cards:card_remove", args=[shop.guide.pk]), {"next": "/me/cards/"})
    assert response.url == "/me/cards/"
    assert CardHolding.objects.count() == 0
