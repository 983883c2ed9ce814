"""Real threads on a real database: buyers racing for the free seats of one group buy (拼团). The
guarded UPDATE of the group's `seats` (seats < size) is the defence, and it also serializes the
joiners of one group on its row, so this runs on every database."""

from datetime import timedelta

import pytest

from linkmall import testing as t
from linkmall.campaigns.models import GroupBuy, GroupBuyGroup, GroupBuyMember
from linkmall.campaigns.services.group import GroupBuyFields, group_buy_create
from linkmall.core import clock
from linkmall.orders.group import group_join_attempt, group_open_attempt
from linkmall.orders.models import Order
from linkmall.testing import copies, outcomes, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_buyers_joining_a_group_of_three_at_once_take_exactly_the_two_free_seats():
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=4000, price_fen=10000, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=10000)
    now = clock.now()
    activity = group_buy_create(actor=t.make_merchant_owner(merchant), merchant=merchant, fields=GroupBuyFields(
        listing_id=listing.pk, name="三人团", size=3, price_fen=6900, stock=20, starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=1)))
    leader = t.make_consumer()
    first = group_open_attempt(buyer=leader, activity_id=activity.pk, address=t.make_address(leader),
                               client_token="lead")
    group = GroupBuyGroup.objects.get(members__order_id=first.pk)
    buyers = [t.make_consumer() for _ in range(10)]
    addresses = [t.make_address(user) for user in buyers]

    results = outcomes(race(*copies(lambda i: group_join_attempt(
        buyer=buyers[i], group_id=group.pk, address=addresses[i], client_token=f"j-{i}").number, 10)))

    joined = [r for r in results if r != "group_full"]
    assert len(joined) == 2 and len(set(joined)) == 2
    assert results.count("group_full") == 8
    group.refresh_from_db()
    assert group.seats == 3
    # from the rows themselves, not from the counters
    assert GroupBuyMember.objects.filter(group=group).count() == 3
    assert Order.objects.filter(lines__listing=listing).count() == 3
    assert GroupBuy.objects.get(pk=activity.pk).held == 3
