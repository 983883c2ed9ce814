"""The group buy (拼团) pages of a shop: the activity page with 我要开团 and the open groups, a group's
page (members as initials, virtual ones alike, seats left, countdown, share link with the member's
code, poster), joining through it, and 我的拼团."""

from datetime import timedelta

import pytest
from django.urls import reverse

from linkmall import testing as t
from linkmall.accounts.sharecodes import share_code_for
from linkmall.campaigns.models import GroupBuyGroup, GroupBuyMember
from linkmall.campaigns.services.group import GroupBuyFields, group_buy_create
from linkmall.campaigns.tests.factories import T0
from linkmall.core import clock
from linkmall.orders.group import group_open_attempt
from linkmall.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(mall):
    clock.freeze(T0)
    return group_buy_create(actor=t.make_merchant_owner(mall.merchant), merchant=mall.merchant, fields=GroupBuyFields(
        listing_id=mall.tea_listing.pk, name="龙井三人团", size=3, price_fen=12800, leader_discount_fen=800, stock=5,
        starts_at=T0, ends_at=T0 + timedelta(days=3)))


def opened(activity):
    leader = t.make_consumer()
    order = group_open_attempt(buyer=leader, activity_id=activity.pk, address=t.make_address(leader), client_token="o")
    return leader, GroupBuyGroup.objects.get(members__order_id=order.pk)


def test_the_activity_page_offers_to_open_a_group_and_lists_the_open_ones(client, mall, activity):
    _leader, group = opened(activity)
    html = client.get(reverse("web:group_activity", args=[mall.merchant.pk, activity.pk])).content.decode()
    assert "我要开团" in html and "¥128.00" in html and "¥120.00" in html
    assert f'id="open-group-{group.pk}"' in html and "还差 2 人" in html and "countdown" in html


def test_a_buyer_opens_a_group_from_the_page_and_lands_on_the_order_to_pay(consumer_client, consumer, address, mall,
                                                                            activity):
    response = consumer_client.post(reverse("web:group_open", args=[mall.merchant.pk, activity.pk]),
                                    {"client_token": "t1"})
    order = Order.objects.get(buyer=consumer)
    assert response.status_code == 302 and response["Location"] == reverse("web:order_detail", args=[order.number])
    assert order.total_fen == 12000
    # the order page leads to the group (and an order of no group has no such link)
    group = GroupBuyGroup.objects.get(members__order_id=order.pk)
    html = consumer_client.get(response["Location"]).content.decode()
    assert f'id="order-group" href="{reverse("web:group_page", args=[mall.merchant.pk, group.pk])}"' in html


def test_the_group_page_shows_members_seats_countdown_and_the_members_share_link(client, consumer_client, consumer,
                                                                                  address, mall, activity):
    leader, group = opened(activity)
    page = reverse("web:group_page", args=[mall.merchant.pk, group.pk])
    anonymous = client.get(page).content.decode()
    assert "还差 2 人成团" in anonymous and "团长" in anonymous and "data-until" in anonymous

    joined = consumer_client.post(reverse("web:group_join", args=[mall.merchant.pk, group.pk]), {"client_token": "j"})
    assert joined.status_code == 302
    html = consumer_client.get(page).content.decode()
    assert "还差 1 人成团" in html and f"?ref={share_code_for(user_id=consumer.pk)}" in html and "参与拼团" not in html
    poster = consumer_client.get(reverse("web:group_poster", args=[mall.merchant.pk, group.pk]))
    assert poster.status_code == 200 and poster["Content-Type"] == "image/png"
    mine = consumer_client.get(reverse("web:my_groups")).content.decode()
    assert f'id="my-group-{group.pk}"' in mine and "拼团中" in mine


def test_a_full_group_refuses_a_join_with_its_message_and_virtual_members_look_like_members(consumer_client, consumer,
                                                                                          address, mall, activity):
    _leader, group = opened(activity)
    GroupBuyMember.objects.create(group=group, virtual=True, status="paid")
    GroupBuyGroup.objects.filter(pk=group.pk).update(seats=3)
    response = consumer_client.post(reverse("web:group_join", args=[mall.merchant.pk, group.pk]), {"client_token": "j"},
                                    follow=True)
    html = response.content.decode()
    assert "这个团已经满员了" in html
    assert html.count('class="avatar"') == 2
    assert not Order.objects.filter(buyer=consumer).exists()


def test_another_shops_group_is_not_found(client, mall, activity):
    _leader, group = opened(activity)
    other = t.make_merchant()
    assert client.get(reverse("web:group_page", args=[other.pk, group.pk])).status_code == 404
