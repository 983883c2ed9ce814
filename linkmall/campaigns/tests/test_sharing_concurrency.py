"""Share-to-get under real threads: friends claiming at once for one sharer, one friend tapping through
two sharers' links at once, and two accounts on one device at once."""

import pytest

from linkmall import testing
from linkmall.campaigns.models import Coupon, CouponTemplate, ShareClaim, ShareProgress
from linkmall.campaigns.services.sharing import share_claim
from linkmall.campaigns.tests.factories import make_shop
from linkmall.campaigns.tests.test_sharing import make_share, rewards_of
from linkmall.customers.tracking import visitor_create
from linkmall.testing import copies, outcomes, race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.row_locks
def test_friends_claiming_at_once_for_one_sharer_are_each_counted_and_rewarded_once():
    """The sharer's progress row lock: without it the claims read the same count and write it back
    over each other, and rewards are skipped."""
    shop = make_shop()
    campaign = make_share(shop, friends_needed=2, max_rewards=3)
    friends = [testing.make_consumer() for _ in range(6)]

    results = outcomes(race(*copies(
        lambda i: share_claim(friend=friends[i], campaign_id=campaign.pk, sharer_id=shop.buyer.pk).friend_id, 6)))

    assert sorted(results) == sorted(f.pk for f in friends)
    progress = ShareProgress.objects.get(campaign=campaign, sharer=shop.buyer)
    assert (progress.claims, progress.rewards) == (6, 3)
    assert rewards_of(shop.buyer, campaign) == 3
    assert CouponTemplate.objects.get(pk=campaign.friend_template_id).issued == 6


def test_one_friend_through_two_sharers_links_at_once_counts_for_one():
    shop = make_shop()
    campaign = make_share(shop)
    sharers = [shop.buyer, testing.make_consumer()]
    friend = testing.make_consumer()

    results = outcomes(race(*copies(
        lambda i: share_claim(friend=friend, campaign_id=campaign.pk, sharer_id=sharers[i].pk).sharer_id, 2)))

    winner = ShareClaim.objects.get()
    assert sorted(results, key=str) == sorted([winner.sharer_id, "share_already_claimed"], key=str)
    assert Coupon.objects.filter(user=friend).count() == 1
    assert sorted(ShareProgress.objects.values_list("claims", flat=True)) == [1]


def test_two_accounts_on_one_device_at_once_count_once():
    shop = make_shop()
    campaign = make_share(shop)
    sharers = [shop.buyer, testing.make_consumer()]
    friends = [testing.make_consumer() for _ in range(2)]
    key = visitor_create().key

    results = outcomes(race(*copies(
        lambda i: share_claim(friend=friends[i], campaign_id=campaign.pk, sharer_id=sharers[i].pk,
                              device_key=key).pk, 2)))

    assert sorted(type(r).__name__ for r in results) == ["int", "str"]
    assert [r for r in results if isinstance(r, str)] == ["share_same_device"]
    assert ShareClaim.objects.count() == 1
    assert CouponTemplate.objects.get(pk=campaign.friend_template_id).issued == 1
