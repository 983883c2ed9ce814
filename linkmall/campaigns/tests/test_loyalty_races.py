"""Loyalty under real threads. A double tap on 签到 is held by the unique (user, merchant, day) and
the points key `signin:<day>`, so it has teeth on SQLite and PostgreSQL alike (no row_locks mark):
whoever loses the race answers with the winner's sign-in."""

import pytest

from linkmall.campaigns.models import PointsAccount, PointsEntry, SignIn
from linkmall.campaigns.services.signin import signin_today
from linkmall.campaigns.tests.factories import make_shop
from linkmall.testing import copies, outcomes, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_taps_on_sign_in_at_once_sign_in_once():
    shop = make_shop()

    results = outcomes(race(*copies(
        lambda i: (signin_today(user=shop.buyer, merchant=shop.merchant).sign_in.pk), 8)))

    assert len(set(results)) == 1 and isinstance(results[0], int), results
    assert SignIn.objects.count() == 1
    assert list(PointsEntry.objects.values_list("kind", "delta")) == [("signin", 5)]
    assert PointsAccount.objects.get(user=shop.buyer).balance == 5
