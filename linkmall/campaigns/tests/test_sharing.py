"""Share-to-get (分享领券): campaigns, a friend's claim through a sharer's link and its refusals, and
the sharer's reward in `claims` mode. Orders mode is in test_sharing_orders.py."""

from datetime import timedelta
from decimal import Decimal

import pytest

from linkmall import testing
from linkmall.campaigns.models import Coupon, CouponTemplate, ShareCampaign, ShareClaim, ShareProgress
from linkmall.campaigns.selectors.sharing import landing_state, my_shares, share_path
from linkmall.campaigns.services.sharing import (
    share_campaign_create,
    share_campaign_set_status,
    share_campaign_update,
    share_claim,
    share_rewards_retry,
)
from linkmall.campaigns.tests.factories import make_template
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkmall.customers.models import Purchase, ShareEdge
from linkmall.customers.tracking import visitor_create

pytestmark = pytest.mark.django_db


def make_share(shop, *, friends_needed=2, mode="claims", max_rewards=1, status="active", **fields):
    """A running share campaign: the friend gets 5.00 off (100 of them), the sharer 20.00 off."""
    friend = make_template(shop.merchant, name="好友5元券", sources=["share"])
    reward = make_template(shop.merchant, name="分享奖励20元", value=Decimal(2000), sources=["share"],
                           per_user_limit=max(max_rewards, 1))
    values = {"name": "分享领券", "friend_template": friend, "reward_template": reward,
              "friends_needed": friends_needed, "mode": mode, "max_rewards": max_rewards, "status": status,
              "starts_at": clock.now() - timedelta(hours=1)}
    values.update(fields)
    return ShareCampaign.objects.create(merchant=shop.merchant, **values)


def device() -> str:
    return visitor_create().key


def rewards_of(user, campaign):
    return Coupon.objects.filter(user=user, template=campaign.reward_template).count()


def test_a_friend_claims_the_friend_coupon_through_the_sharers_link(shop):
    campaign = make_share(shop)
    sharer, friend = shop.buyer, testing.make_consumer()
    key = device()

    claim = share_claim(friend=friend, campaign_id=campaign.pk, sharer_id=sharer.pk, device_key=key)

    coupon = claim.coupon
    assert (coupon.user_id, coupon.template_id, coupon.source, coupon.status) == (
        friend.pk, campaign.friend_template_id, "share", "available")
    assert (claim.sharer_id, claim.friend_id, claim.device_key, claim.phone) == (sharer.pk, friend.pk, key,
                                                                                 friend.phone)
    progress = ShareProgress.objects.get(campaign=campaign, sharer=sharer)
    assert (progress.claims, progress.converted, progress.rewards) == (1, 0, 0)
    edge = ShareEdge.objects.get()
    assert (edge.merchant_id, edge.sharer.user_id, edge.recipient.key, edge.opens) == (
        shop.merchant.pk, sharer.pk, key, 1)
    # a repeat through the same sharer is the same claim and issues nothing
    again = share_claim(friend=friend, campaign_id=campaign.pk, sharer_id=sharer.pk, device_key=key)
    assert again.pk == claim.pk
    assert CouponTemplate.objects.get(pk=campaign.friend_template_id).issued == 1
    assert ShareProgress.objects.get(pk=progress.pk).claims == 1


def test_the_link_carries_the_sharers_code_for_first_touch_binding(shop):
    from linkmall.accounts.sharecodes import share_code_for

    campaign = make_share(shop)

    assert share_path(campaign=campaign, sharer_id=shop.buyer.pk, via="poster") == (
        f"/shop/{shop.merchant.pk}/share/{campaign.pk}/?ref={share_code_for(user_id=shop.buyer.pk)}&via=poster")
    assert share_path(campaign=campaign, sharer_id=shop.buyer.pk, via="evil").endswith("&via=link")


def assert_refused(code, *, campaign, friend, sharer, device_key=""):
    issued = CouponTemplate.objects.get(pk=campaign.friend_template_id).issued
    claims = ShareClaim.objects.count()
    with pytest.raises(Conflict) as refused:
        share_claim(friend=friend, campaign_id=campaign.pk, sharer_id=sharer.pk, device_key=device_key)
    assert refused.value.code == code
    assert CouponTemplate.objects.get(pk=campaign.friend_template_id).issued == issued
    assert ShareClaim.objects.count() == claims
    assert not Coupon.objects.filter(user=friend, template=campaign.friend_template).exists()


def test_a_self_share_is_refused_and_changes_nothing(shop):
    campaign = make_share(shop)

    assert_refused("share_self", campaign=campaign, friend=shop.buyer, sharer=shop.buyer)
    assert ShareProgress.objects.count() == 0


def test_the_same_phone_never_counts_twice(shop):
    campaign = make_share(shop)
    first = testing.make_consumer()
    share_claim(friend=first, campaign_id=campaign.pk, sharer_id=shop.buyer.pk)
    # the number moves to another account, which tries again
    phone = first.phone
    first.phone = None
    first.save(update_fields=["phone"])
    second = testing.make_consumer(phone=phone)

    assert_refused("share_same_phone", campaign=campaign, friend=second, sharer=shop.buyer)


def test_the_same_device_never_counts_twice_and_the_sharers_own_device_not_at_all(shop):
    campaign = make_share(shop)
    key = device()
    share_claim(friend=testing.make_consumer(), campaign_id=campaign.pk, sharer_id=shop.buyer.pk, device_key=key)

    assert_refused("share_same_device", campaign=campaign, friend=testing.make_consumer(), sharer=shop.buyer,
                   device_key=key)
    sharers_phone = visitor_create(user=shop.buyer).key
    assert_refused("share_same_device", campaign=campaign, friend=testing.make_consumer(), sharer=shop.buyer,
                   device_key=sharers_phone)
    assert ShareProgress.objects.get(sharer=shop.buyer).claims == 1


def test_a_friend_who_bought_at_the_merchant_before_gets_no_friend_coupon(shop):
    campaign = make_share(shop)
    friend = testing.make_consumer()
    Purchase.objects.create(merchant=shop.merchant, user=friend, source="mall", reference="LM1", amount_fen=9900,
                            occurred_at=clock.now())

    assert_refused("share_not_new_customer", campaign=campaign, friend=friend, sharer=shop.buyer)
    assert landing_state(campaign=campaign, viewer=friend, sharer_id=shop.buyer.pk) == "not_new"


def test_a_friend_counts_for_one_sharer_only(shop):
    campaign = make_share(shop)
    friend, other = testing.make_consumer(), testing.make_consumer()
    share_claim(friend=friend, campaign_id=campaign.pk, sharer_id=shop.buyer.pk)

    with pytest.raises(Conflict) as refused:
        share_claim(friend=friend, campaign_id=campaign.pk, sharer_id=other.pk)
    assert refused.value.code == "share_already_claimed"
    assert ShareProgress.objects.filter(sharer=other).count() == 0
    assert landing_state(campaign=campaign, viewer=friend, sharer_id=other.pk) == "claimed_elsewhere"


def test_claims_are_refused_outside_the_campaign_and_for_unknown_sharers(shop):
    paused = make_share(shop, status="paused")
    later = make_share(shop, starts_at=clock.now() + timedelta(days=1))
    friend = testing.make_consumer()

    assert_refused("share_campaign_closed", campaign=paused, friend=friend, sharer=shop.buyer)
    assert_refused("share_campaign_closed", campaign=later, friend=friend, sharer=shop.buyer)
    with pytest.raises(NotFound):
        share_claim(friend=friend, campaign_id=paused.pk, sharer_id=shop.owner.pk)  # not a consumer
    with pytest.raises(PermissionDenied):
        share_claim(friend=shop.owner, campaign_id=paused.pk, sharer_id=shop.buyer.pk)
    with pytest.raises(InvalidInput):
        share_claim(friend=friend, campaign_id=paused.pk, sharer_id=shop.buyer.pk, device_key="x" * 32)


def test_a_sold_out_friend_coupon_records_no_claim(shop):
    campaign = make_share(shop)
    CouponTemplate.objects.filter(pk=campaign.friend_template_id).update(total=1, issued=1)

    assert_refused("coupon_sold_out", campaign=campaign, friend=testing.make_consumer(), sharer=shop.buyer)
    assert ShareProgress.objects.count() == 0


def test_the_sharer_earns_one_reward_per_n_friends_up_to_the_cap(shop):
    campaign = make_share(shop, friends_needed=2, max_rewards=2)
    sharer = shop.buyer
    friends = [testing.make_consumer() for _ in range(5)]

    earned = []
    for friend in friends:
        share_claim(friend=friend, campaign_id=campaign.pk, sharer_id=sharer.pk)
        earned.append(rewards_of(sharer, campaign))

    assert earned == [0, 1, 1, 2, 2]
    rewards = Coupon.objects.filter(user=sharer, template=campaign.reward_template).order_by("pk")
    assert [c.key for c in rewards] == [f"share:{campaign.pk}:reward:{sharer.pk}:1",
                                        f"share:{campaign.pk}:reward:{sharer.pk}:2"]
    assert {c.source for c in rewards} == {"share"}
    progress = ShareProgress.objects.get(campaign=campaign, sharer=sharer)
    assert (progress.claims, progress.rewards) == (5, 2)
    [standing] = my_shares(user=sharer)
    assert (standing.claims, standing.counted, standing.earned, standing.rewards, standing.to_next) == (5, 5, 2, 2, 0)


def test_a_reward_the_template_cannot_give_is_owed_and_issued_later(shop):
    campaign = make_share(shop, friends_needed=1)
    CouponTemplate.objects.filter(pk=campaign.reward_template_id).update(status="paused")

    share_claim(friend=testing.make_consumer(), campaign_id=campaign.pk, sharer_id=shop.buyer.pk)

    [standing] = my_shares(user=shop.buyer)
    assert (standing.earned, standing.rewards) == (1, 0)
    CouponTemplate.objects.filter(pk=campaign.reward_template_id).update(status="active")
    assert share_rewards_retry(campaign_id=campaign.pk, sharer_id=shop.buyer.pk) == 1
    assert share_rewards_retry(campaign_id=campaign.pk, sharer_id=shop.buyer.pk) == 1
    assert rewards_of(shop.buyer, campaign) == 1


def test_my_shares_shows_running_campaigns_to_share_and_those_with_progress(shop):
    running = make_share(shop, friends_needed=3)
    ended = make_share(shop, status="ended")
    make_share(shop, status="draft")

    assert [s.campaign.pk for s in my_shares(user=shop.buyer)] == [running.pk]
    ShareProgress.objects.create(campaign=ended, sharer=shop.buyer)
    standings = my_shares(user=shop.buyer)
    assert [(s.campaign.pk, s.is_open, s.to_next) for s in standings] == [(ended.pk, False, 2), (running.pk, True, 3)]


# --- the merchant's campaigns ---------------------------------------------------------------------------


def templates(shop, **fields):
    friend = make_template(shop.merchant, name="好友券", sources=["share"], **fields)
    reward = make_template(shop.merchant, name="奖励券", sources=["share", "claim"], per_user_limit=3)
    return friend, reward


def test_the_owner_creates_a_campaign_in_draft_and_starts_it(shop):
    friend, reward = templates(shop)

    campaign = share_campaign_create(actor=shop.owner, merchant=shop.merchant, name=" 邀请好友 ",
                                     friend_template_id=friend.pk, reward_template_id=reward.pk, friends_needed=3,
                                     mode="orders", max_rewards=3)

    assert (campaign.name, campaign.status, campaign.mode, campaign.friends_needed, campaign.max_rewards) == (
        "邀请好友", "draft", "orders", 3, 3)
    assert share_campaign_set_status(actor=shop.owner, campaign_id=campaign.pk, status="active").status == "active"
    with pytest.raises(Conflict) as locked:
        share_campaign_update(actor=shop.owner, campaign_id=campaign.pk, friends_needed=5)
    assert locked.value.code == "campaign_terms_locked"
    assert share_campaign_update(actor=shop.owner, campaign_id=campaign.pk, name="新名字", max_rewards=2).name == "新名字"
    share_campaign_set_status(actor=shop.owner, campaign_id=campaign.pk, status="ended")
    with pytest.raises(Conflict) as ended:
        share_campaign_set_status(actor=shop.owner, campaign_id=campaign.pk, status="active")
    assert ended.value.code == "campaign_state"


def test_a_campaign_with_bad_templates_or_counts_is_refused_field_by_field(shop):
    other = make_template(testing.make_merchant(), sources=["share"])
    not_shared = make_template(shop.merchant)
    draft = make_template(shop.merchant, sources=["share"], status="draft")
    friend, reward = templates(shop)
    cases = [
        ({"friend_template_id": other.pk}, "friend_template_id"),
        ({"friend_template_id": not_shared.pk}, "friend_template_id"),
        ({"reward_template_id": draft.pk}, "reward_template_id"),
        ({"reward_template_id": friend.pk}, "reward_template_id"),
        ({"max_rewards": 4}, "max_rewards"),  # the reward template allows 3 a buyer
        ({"friends_needed": 0}, "friends_needed"),
        ({"mode": "likes"}, "mode"),
        ({"name": ""}, "name"),
        ({"ends_at": clock.now() - timedelta(days=1)}, "ends_at"),
    ]
    for change, field in cases:
        values = {"name": "分享", "friend_template_id": friend.pk, "reward_template_id": reward.pk,
                  "friends_needed": 2, **change}
        with pytest.raises(InvalidInput) as refused:
            share_campaign_create(actor=shop.owner, merchant=shop.merchant, **values)
        assert list(refused.value.detail["fields"]) == [field], change
    assert ShareCampaign.objects.count() == 0


def test_starting_checks_the_templates_again_and_another_merchant_sees_nothing(shop):
    friend, reward = templates(shop)
    campaign = share_campaign_create(actor=shop.owner, merchant=shop.merchant, name="分享", friend_template_id=friend.pk,
                                     reward_template_id=reward.pk, friends_needed=2)
    CouponTemplate.objects.filter(pk=reward.pk).update(status="paused")

    with pytest.raises(InvalidInput) as refused:
        share_campaign_set_status(actor=shop.owner, campaign_id=campaign.pk, status="active")
    assert list(refused.value.detail["fields"]) == ["reward_template_id"]
    stranger = testing.make_merchant_owner(testing.make_merchant())
    with pytest.raises(NotFound):
        share_campaign_set_status(actor=stranger, campaign_id=campaign.pk, status="ended")
    assert ShareCampaign.objects.get(pk=campaign.pk).status == "draft"
