"""Real threads on a real database: friends racing to help one bargain (砍价). The bargain's row
lock makes each drawn cut apply exactly once, in order; without it two helps read the same
`cuts_made` and one cut is lost (the seq constraint refuses the second, or the price drifts)."""

from datetime import timedelta

import pytest

from linkmall import testing as t
from linkmall.campaigns.models import Bargain, BargainHelp
from linkmall.campaigns.services.bargain import BargainFields, bargain_activity_create, bargain_help, bargain_start
from linkmall.core import clock
from linkmall.testing import copies, outcomes, race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.row_locks
def test_friends_racing_on_one_bargain_apply_each_cut_once():
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=4000, price_fen=10000, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=10000)
    now = clock.now()
    activity = bargain_activity_create(
        actor=t.make_merchant_owner(merchant), merchant=merchant,
        fields=BargainFields(listing_id=listing.pk, name="砍价", floor_fen=5000, helpers_needed=6,
                             starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(days=1)))
    bargain = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)
    helpers = [t.make_consumer() for _ in range(10)]

    results = outcomes(race(*copies(lambda i: bargain_help(helper=helpers[i], bargain_id=bargain.pk).seq, 10)))

    assert sorted(r for r in results if r != "bargain_complete") == [1, 2, 3, 4, 5, 6]
    assert results.count("bargain_complete") == 4
    bargain.refresh_from_db()
    assert (bargain.cuts_made, bargain.price_fen) == (6, 5000)
    assert list(BargainHelp.objects.filter(bargain=bargain).order_by("seq").values_list("cut_fen", flat=True)) == (
        Bargain.objects.get(pk=bargain.pk).cuts)
