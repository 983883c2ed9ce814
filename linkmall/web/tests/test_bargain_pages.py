"""The bargain (砍价) pages of a shop: the list with 发起砍价, the buyer's page (price, progress,
share link with their code, buy button), a friend's 帮好友砍一刀, and a login first for anyone else."""

from datetime import timedelta

import pytest
from django.urls import reverse

from linkmall import testing as t
from linkmall.accounts.sharecodes import share_code_for
from linkmall.campaigns.models import Bargain, BargainHelp
from linkmall.campaigns.services.bargain import (
    BargainFields,
    bargain_activity_create,
    bargain_help,
    bargain_start,
)
from linkmall.campaigns.tests.factories import T0
from linkmall.core import clock
from linkmall.orders.models import Order
from linkmall.web.tests.html import texts_by_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(mall):
    clock.freeze(T0)
    return bargain_activity_create(actor=t.make_merchant_owner(mall.merchant), merchant=mall.merchant,
                                   fields=BargainFields(listing_id=mall.tea_listing.pk, name="龙井砍价",
                                                        floor_fen=9900, helpers_needed=2, starts_at=T0,
                                                        ends_at=T0 + timedelta(days=3)))


def page_url(mall, bargain):
    return reverse("web:bargain_page", args=[mall.merchant.pk, bargain.pk])


def test_the_buyer_starts_from_the_list_and_sees_the_price_share_link_and_buy_button(consumer_client, consumer, mall,
                                                                                      activity):
    listing = consumer_client.get(reverse("web:bargain_list", args=[mall.merchant.pk])).content.decode()
    assert "发起砍价" in listing and "¥99.00" in listing

    started = consumer_client.post(reverse("web:bargain_begin", args=[mall.merchant.pk, activity.pk]))

    bargain = Bargain.objects.get(buyer=consumer)
    assert started.status_code == 302 and started["Location"] == page_url(mall, bargain)
    html = consumer_client.get(page_url(mall, bargain)).content.decode()
    assert "¥168.00" in html and "以当前价购买" in html and "帮好友砍一刀" not in html
    assert f"?ref={share_code_for(user_id=consumer.pk)}" in html


def test_a_friend_helps_once_with_the_name_masked_and_a_stranger_logs_in_first(client, mall, activity):
    buyer = t.make_consumer()
    bargain = bargain_start(buyer=buyer, activity_id=activity.pk)
    anonymous = client.get(page_url(mall, bargain)).content.decode()
    assert "¥168.00" in anonymous and "以当前价购买" not in anonymous
    login = client.post(reverse("web:bargain_help", args=[mall.merchant.pk, bargain.pk]))
    assert login.status_code == 302 and "login" in login["Location"]

    friend = t.make_consumer()
    friend.display_name = "张小花"
    friend.save()
    client.force_login(friend)
    assert "帮好友砍一刀" in client.get(page_url(mall, bargain)).content.decode()
    helped = client.post(reverse("web:bargain_help", args=[mall.merchant.pk, bargain.pk]), follow=True)

    html = helped.content.decode()
    assert "张**" in html and "张小花" not in html
    assert "你已经帮这位好友砍过一刀了。" in html
    again = client.post(reverse("web:bargain_help", args=[mall.merchant.pk, bargain.pk]), follow=True)
    assert "你已经帮这位好友砍过一刀了。" in " ".join(texts_by_class(again.content.decode(), "msg"))
    assert BargainHelp.objects.filter(bargain=bargain).count() == 1


def test_the_buyer_buys_at_the_floor_and_goes_to_the_order(consumer_client, consumer, address, mall, activity):
    bargain = bargain_start(buyer=consumer, activity_id=activity.pk)
    for _ in range(2):
        bargain_help(helper=t.make_consumer(), bargain_id=bargain.pk)

    bought = consumer_client.post(reverse("web:bargain_buy", args=[mall.merchant.pk, bargain.pk]),
                                  {"client_token": "x"})

    order = Order.objects.get(buyer=consumer)
    assert bought["Location"] == reverse("web:order_detail", args=[order.number])
    assert order.total_fen == 9900
    assert "已下单" in consumer_client.get(page_url(mall, bargain)).content.decode()


def test_another_shops_path_is_not_found(consumer_client, consumer, mall, activity):
    bargain = bargain_start(buyer=consumer, activity_id=activity.pk)
    other = t.make_merchant()
    assert consumer_client.get(reverse("web:bargain_page", args=[other.pk, bargain.pk])).status_code == 404


def test_the_buyer_gets_a_poster_of_their_own_bargain_and_anyone_else_does_not(client, consumer_client, consumer,
                                                                                mall, activity):
    bargain = bargain_start(buyer=consumer, activity_id=activity.pk)
    poster_url = reverse("web:bargain_poster", args=[mall.merchant.pk, bargain.pk])

    html = consumer_client.get(page_url(mall, bargain)).content.decode()
    poster = consumer_client.get(poster_url)

    assert f'href="{poster_url}" id="bargain-poster"' in html and "生成海报" in html
    assert (poster.status_code, poster["Content-Type"], poster.content[:8]) == (200, "image/png", b"\x89PNG\r\n\x1a\n")
    client.force_login(t.make_consumer())
    assert client.get(poster_url).status_code == 404  # another consumer: not found, like no bargain at all
    friend_page = client.get(page_url(mall, bargain)).content.decode()
    assert "生成海报" not in friend_page
    assert client.get(reverse("web:bargain_poster", args=[mall.merchant.pk + 1000, bargain.pk])).status_code == 404
    assert consumer_client.get(reverse("web:bargain_poster", args=[mall.merchant.pk, bargain.pk + 1000])).status_code == 404
