"""The card page: what it shows, who may see it, the cookies and links it hands out, and checkout
crediting the guide whose card brought the buyer."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from linkmall.accounts.sharecodes import share_code_for
from linkmall.cards.models import Card, Promotion
from linkmall.core import clock
from linkmall.customers.attribution import GUIDE_COOKIE, guide_remembered
from linkmall.customers.models import Visitor
from linkmall.customers.tracking import VISITOR_COOKIE, visitor_share_token
from linkmall.orders.models import Order
from linkmall.referral.models import Promoter
from linkmall.testing import make_address, make_consumer, make_guide, make_merchant, make_store
from linkmall.web.tests.html import texts_by_class

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(clock.now())
    yield
    clock.reset()


def card_url(shop, **query) -> str:
    url = reverse("cards:card", args=[shop.guide.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def share_url_of(html: str) -> str:
    start = html.index('class="bc-share-url"')
    value = html[html.index('value="', start) + 7:]
    return value[: value.index('"')].replace("&amp;", "&")


def test_the_card_shows_the_guide_the_store_and_only_featured_products_the_merchant_sells(client, shop):
    response = client.get(card_url(shop))

    html = response.text
    assert response.status_code == 200
    assert texts_by_class(html, "bc-name") == ["王小美"]
    assert texts_by_class(html, "bc-title") == ["美妆顾问"]
    assert texts_by_class(html, "bc-headline") == ["资深美妆顾问 · 8 年"]
    assert texts_by_class(html, "name") == ["保湿面霜", "丝绒口红"]  # the unlisted perfume is left out
    assert f'href="/s/{shop.store.pk}/p/{shop.cream.pk}/"' in html
    assert texts_by_class(html, "price") == ["259.00", "129.00"]
    assert 'href="tel:13800001234"' in html
    assert 'data-copy="xiaomei_wx"' in html
    assert "https://uri.amap.com/marker?position=120.155070%2C30.274085" in html
    assert "10:00-22:00" in html and "西湖区文三路1号" in html
    for section in ("products", "store", "booking"):
        assert f'data-track-section="{section}"' in html
    assert 'data-track-share="link"' in html
    assert f'data-merchant="{shop.merchant.pk}" data-store="{shop.store.pk}"' in html
    assert f'data-guide="{shop.guide.pk}"' in html and 'data-page="card"' in html


def test_only_promotions_running_now_are_shown(client, shop):
    now = clock.now()
    Promotion.objects.create(merchant=shop.merchant, title="进行中", starts_at=now - timedelta(days=1),
                             ends_at=now + timedelta(days=1))
    Promotion.objects.create(merchant=shop.merchant, title="已结束", starts_at=now - timedelta(days=3),
                             ends_at=now - timedelta(seconds=1))
    Promotion.objects.create(merchant=shop.merchant, title="未开始", starts_at=now + timedelta(hours=1),
                             ends_at=now + timedelta(days=3))
    Promotion.objects.create(merchant=shop.merchant, title="已停用", starts_at=now - timedelta(days=1),
                             ends_at=now + timedelta(days=1), is_active=False)
    Promotion.objects.create(merchant=make_merchant(), title="别家的", starts_at=now - timedelta(days=1),
                             ends_at=now + timedelta(days=1))

    html = client.get(card_url(shop)).text

    assert [t.split()[0] for t in texts_by_class(html, "bc-promo")] == ["进行中"]


def test_a_guide_who_never_edited_their_card_still_has_one(client, shop):
    other = make_guide(shop.store)

    response = client.get(reverse("cards:card", args=[other.pk]))

    assert response.status_code == 200
    assert texts_by_class(response.text, "name") == []
    assert not Card.objects.filter(guide=other).exists()  # showing it wrote nothing


@pytest.mark.parametrize("hide", ["unpublished", "guide_inactive", "store_closed", "unknown"])
def test_a_hidden_card_answers_404_and_sets_no_cookie(client, shop, hide):
    guide_id = shop.guide.pk
    if hide == "unpublished":
        Card.objects.filter(pk=shop.card.pk).update(is_published=False)
    elif hide == "guide_inactive":
        type(shop.guide).objects.filter(pk=guide_id).update(is_active=False)
    elif hide == "store_closed":
        type(shop.store).objects.filter(pk=shop.store.pk).update(is_active=False)
    else:
        guide_id = 99999

    response = client.get(reverse("cards:card", args=[guide_id]))

    assert response.status_code == 404
    assert GUIDE_COOKIE not in response.cookies and VISITOR_COOKIE not in response.cookies
    assert Visitor.objects.count() == 0


def test_the_card_remembers_its_guide_for_thirty_days_in_a_signed_cookie(client, rf, shop):
    response = client.get(card_url(shop))

    cookie = response.cookies[GUIDE_COOKIE]
    assert cookie["max-age"] == 30 * 24 * 3600 and cookie["httponly"]
    request = rf.get("/")
    request.COOKIES[GUIDE_COOKIE] = cookie.value
    assert guide_remembered(request) == (shop.merchant.pk, shop.guide.pk)


def test_a_forged_guide_cookie_is_ignored(rf, shop):
    request = rf.get("/")
    request.COOKIES[GUIDE_COOKIE] = f"{shop.merchant.pk}:{shop.guide.pk}"

    assert guide_remembered(request) is None


def test_the_share_link_of_an_anonymous_visitor_carries_only_their_share_token(client, shop):
    response = client.get(card_url(shop))

    visitor = Visitor.objects.get(key=response.cookies[VISITOR_COOKIE].value)
    url = urlsplit(share_url_of(response.text))
    assert url.path == f"/card/{shop.guide.pk}/"
    assert parse_qs(url.query) == {"s": [visitor_share_token(visitor)]}


def test_a_consumer_shares_the_card_as_a_referral_link_and_a_guide_does_not(client, shop):
    consumer = make_consumer()
    client.force_login(consumer)
    query = parse_qs(urlsplit(share_url_of(client.get(card_url(shop)).text)).query)
    assert query["ref"] == [share_code_for(user_id=consumer.pk)] and query["via"] == ["card"]

    client.force_login(shop.guide.user)
    query = parse_qs(urlsplit(share_url_of(client.get(card_url(shop)).text)).query)
    assert sorted(query) == ["s"]


def test_opening_a_shared_card_tells_the_beacon_who_shared_it_and_binds_the_referral(client, shop):
    sharer_user = make_consumer()
    sharer = Visitor.objects.create(key="a" * 32, user=sharer_user)
    token = visitor_share_token(sharer)
    friend = make_consumer()
    client.force_login(friend)

    html = client.get(card_url(shop, s=token, ref=share_code_for(user_id=sharer_user.pk), via="card")).text

    assert f'data-shared-by="{token}"' in html
    assert Promoter.objects.filter(user=friend).values_list("referrer_id", "bound_via").get() == (
        sharer_user.pk, "card")


def test_a_bad_or_own_share_token_is_not_passed_on(client, shop):
    assert 'data-shared-by=""' in client.get(card_url(shop, s="forged.token")).text
    visitor = Visitor.objects.get()
    assert 'data-shared-by=""' in client.get(card_url(shop, s=visitor_share_token(visitor))).text


def test_the_vcard_is_utf8_vcard_3_with_escaped_values(client, shop):
    Card.objects.filter(pk=shop.card.pk).update(bio="口红; 色号, 试色\n到店")

    response = client.get(reverse("cards:card_vcard", args=[shop.guide.pk]))

    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response.content.decode().split("\r\n") == [
        "BEGIN:VCARD", "VERSION:3.0", "N:王小美;;;;", "FN:王小美", "ORG:湖滨美妆;湖滨银泰店",
        "TITLE:资深美妆顾问 · 8 年", "TEL;TYPE=CELL,VOICE:13800001234", "TEL;TYPE=WORK,VOICE:0571-88886666",
        "ADR;TYPE=WORK:;;西湖区文三路1号;杭州;;;中国", f"URL:http://testserver/card/{shop.guide.pk}/",
        "NOTE:口红\\; 色号\\, 试色\\n到店", "END:VCARD", "",
    ]


def test_the_placeholder_avatar_is_a_png_drawn_here(client, shop):
    response = client.get(reverse("cards:card_avatar", args=[shop.guide.pk]))

    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert "max-age=604800" in response["Cache-Control"]


# --- checkout credits the guide ---------------------------------------------------------------


def _buy_now(client, listing, address):
    return client.post(reverse("web:checkout"), {
        "client_token": f"t-{listing.pk}-{address.pk}", "address": address.pk, "listing": listing.pk, "quantity": 1,
    })


def test_an_order_placed_after_opening_a_card_is_credited_to_its_guide(client, shop):
    buyer = make_consumer()
    client.force_login(buyer)
    client.get(card_url(shop))

    response = _buy_now(client, shop.lipstick_listing, make_address(buyer))

    assert response.status_code == 302
    assert Order.objects.get(buyer=buyer).guide_id == shop.guide.pk


def test_an_order_at_another_merchant_is_not_credited_to_the_guide(client, shop):
    from linkmall.testing import make_listing, make_product, make_supplier

    other = make_merchant()
    make_store(other)
    listing = make_listing(other, make_product(make_supplier()).skus.get())
    buyer = make_consumer()
    client.force_login(buyer)
    client.get(card_url(shop))

    _buy_now(client, listing, make_address(buyer))

    assert Order.objects.get(buyer=buyer).guide_id is None
