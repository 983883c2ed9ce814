"""Share-to-get in `orders` mode: a friend counts for the sharer when their first order at the merchant
settles without being refunded in full. Orders are placed, paid at the sandbox cashier, refunded and
settled through the real services; referral's settlement calls `campaign_effects.order_settled`."""

from datetime import timedelta

import pytest
from django.db import transaction

from linkmall import testing
from linkmall.campaigns.models import Coupon, ShareClaim, ShareProgress
from linkmall.campaigns.services.sharing import share_claim, share_claim_convert
from linkmall.campaigns.tests.factories import make_shop
from linkmall.campaigns.tests.test_sharing import make_share, rewards_of
from linkmall.core import clock
from linkmall.orders.services import order_place
from linkmall.payments.services import refund_create
from linkmall.payments.tests.helpers import pay
from linkmall.referral.settlement import order_settle
from linkmall.testing import copies, race

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(clock.now())
    yield
    clock.reset()


def buy(shop, buyer, *, token="t-1", coupon=None):
    order = order_place(buyer=buyer, merchant=shop.merchant, lines=[(shop.listings[0].pk, 1)],
                        address=testing.make_address(buyer), client_token=token,
                        coupon_id=coupon.pk if coupon else None)
    pay(order)
    return order


def settle(*orders):
    clock.advance(timedelta(days=8))
    return [order_settle(order_id=o.pk) for o in orders]


def test_the_sharer_earns_when_the_friends_first_orders_settle(shop):
    campaign = make_share(shop, mode="orders", friends_needed=2)
    sharer = shop.buyer
    friends = [testing.make_consumer() for _ in range(2)]
    claims = [share_claim(friend=f, campaign_id=campaign.pk, sharer_id=sharer.pk) for f in friends]
    # the first friend buys with the friend coupon: 99.00 − 5.00
    first = buy(shop, friends[0], coupon=claims[0].coupon)
    assert (first.total_fen, Coupon.objects.get(pk=claims[0].coupon_id).status) == (9400, "used")
    second = buy(shop, friends[1])
    assert rewards_of(sharer, campaign) == 0  # claims alone do not count in this mode

    assert settle(first) == [True]
    progress = ShareProgress.objects.get(campaign=campaign, sharer=sharer)
    assert (progress.claims, progress.converted, progress.rewards) == (2, 1, 0)
    assert ShareClaim.objects.get(pk=claims[0].pk).converted_order == first.number

    assert settle(second) == [True]
    progress.refresh_from_db()
    assert (progress.converted, progress.rewards) == (2, 1)
    assert rewards_of(sharer, campaign) == 1
    # a later order of a friend who counted already changes nothing
    later = buy(shop, friends[0], token="t-2")
    assert settle(later) == [True]
    progress.refresh_from_db()
    assert (progress.converted, progress.rewards) == (2, 1)


def test_an_order_refunded_in_full_does_not_count_and_a_later_one_does(shop):
    campaign = make_share(shop, mode="orders", friends_needed=1)
    friend = testing.make_consumer()
    share_claim(friend=friend, campaign_id=campaign.pk, sharer_id=shop.buyer.pk)
    order = buy(shop, friend)
    refund_create(actor=testing.make_platform_user(), order=order, lines=None, reason="不要了", idempotency_key="r1")

    assert settle(order) == [True]
    assert ShareClaim.objects.get(friend=friend).converted_at is None
    assert rewards_of(shop.buyer, campaign) == 0

    again = buy(shop, friend, token="t-2")
    assert settle(again) == [True]
    assert ShareClaim.objects.get(friend=friend).converted_order == again.number
    assert rewards_of(shop.buyer, campaign) == 1


def test_a_claim_mode_campaign_is_not_counted_again_at_settlement(shop):
    campaign = make_share(shop, mode="claims", friends_needed=1, max_rewards=2)
    friend = testing.make_consumer()
    share_claim(friend=friend, campaign_id=campaign.pk, sharer_id=shop.buyer.pk)
    assert settle(buy(shop, friend)) == [True]

    progress = ShareProgress.objects.get(campaign=campaign)
    assert (progress.claims, progress.converted, progress.rewards) == (1, 0, 1)
    assert ShareClaim.objects.get(friend=friend).converted_at is None


@pytest.mark.row_locks
@pytest.mark.django_db(transaction=True)
def test_friends_converting_at_once_issue_each_reward_exactly_once():
    """Six friends' first orders settle at once, all counting for the same sharer (a reward per two
    friends, three at most). The sharer's progress row lock makes each wait for the one before: without
    it they read the same count, write it back over each other, and rewards are skipped."""
    shop = make_shop()
    campaign = make_share(shop, mode="orders", friends_needed=2, max_rewards=3)
    friends = [testing.make_consumer() for _ in range(6)]
    for friend in friends:
        share_claim(friend=friend, campaign_id=campaign.pk, sharer_id=shop.buyer.pk)

    def convert(i):
        with transaction.atomic():
            return share_claim_convert(friend_id=friends[i].pk, merchant_id=shop.merchant.pk, order_ref=f"LM{i}")

    results = race(*copies(convert, 6))

    assert results == [1] * 6
    progress = ShareProgress.objects.get(campaign=campaign, sharer=shop.buyer)
    assert (progress.converted, progress.rewards) == (6, 3)
    rewards = Coupon.objects.filter(user=shop.buyer, template=campaign.reward_template)
    assert sorted(rewards.values_list("key", flat=True)) == [
        f"share:{campaign.pk}:reward:{shop.buyer.pk}:{n}" for n in (1, 2, 3)]


@pytest.mark.django_db(transaction=True)
def test_two_friends_orders_settling_at_once_both_count():
    shop = make_shop()
    campaign = make_share(shop, mode="orders", friends_needed=2)
    friends = [testing.make_consumer() for _ in range(2)]
    for friend in friends:
        share_claim(friend=friend, campaign_id=campaign.pk, sharer_id=shop.buyer.pk)
    orders = [buy(shop, friend, token=f"t-{i}") for i, friend in enumerate(friends)]
    clock.advance(timedelta(days=8))

    results = race(*[lambda o=o: order_settle(order_id=o.pk) for o in orders])

    assert results == [True, True]
    progress = ShareProgress.objects.get(campaign=campaign, sharer=shop.buyer)
    assert (progress.converted, progress.rewards) == (2, 1)
    assert rewards_of(shop.buyer, campaign) == 1
