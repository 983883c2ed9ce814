"""Points: an append-only history, idempotent by key, and a balance that never goes below zero."""

from datetime import timedelta

import pytest

from linkmall import testing
from linkmall.campaigns.models import PointsAccount, PointsEntry
from linkmall.campaigns.services import points_grant, points_return, points_spend
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput

pytestmark = pytest.mark.django_db


def balance(shop) -> int:
    return PointsAccount.objects.filter(user=shop.buyer, merchant=shop.merchant).values_list(
        "balance", flat=True).first() or 0


def history(shop) -> list[tuple[int, str, str]]:
    return list(PointsEntry.objects.filter(account__user=shop.buyer).order_by("pk").values_list("delta", "kind", "key"))


def test_granting_opens_the_account_and_writes_the_history(shop, frozen):
    entry = points_grant(user=shop.buyer, merchant=shop.merchant, points=500, key="order:1:paid", reason="下单奖励",
                         expires_at=frozen + timedelta(days=365))

    assert (entry.delta, entry.kind, entry.reason, entry.created_at, entry.expires_at) == (
        500, "grant", "下单奖励", frozen, frozen + timedelta(days=365))
    assert balance(shop) == 500


def test_the_same_key_twice_grants_once(shop):
    first = points_grant(user=shop.buyer, merchant=shop.merchant, points=500, key="k", reason="x")
    again = points_grant(user=shop.buyer, merchant=shop.merchant, points=500, key="k", reason="x")

    assert (again.pk, balance(shop), len(history(shop))) == (first.pk, 500, 1)


def test_a_key_reused_for_another_amount_is_refused(shop):
    points_grant(user=shop.buyer, merchant=shop.merchant, points=500, key="k", reason="x")

    with pytest.raises(Conflict) as refused:
        points_grant(user=shop.buyer, merchant=shop.merchant, points=600, key="k", reason="x")

    assert (refused.value.code, balance(shop)) == ("idempotency_key_reused", 500)


def test_spending_and_returning_move_the_balance_once_each(shop):
    points_grant(user=shop.buyer, merchant=shop.merchant, points=500, key="g", reason="x")

    for _ in range(2):
        points_spend(buyer=shop.buyer, merchant=shop.merchant, points=300, key="order:9:spend")
    assert balance(shop) == 200
    for _ in range(2):
        points_return(buyer=shop.buyer, merchant=shop.merchant, points=100, key="order:9:refund:1")

    assert balance(shop) == 300
    assert history(shop) == [(500, "grant", "g"), (-300, "spend", "order:9:spend"), (100, "return", "order:9:refund:1")]


def test_spending_more_than_the_balance_is_refused_and_changes_nothing(shop):
    points_grant(user=shop.buyer, merchant=shop.merchant, points=100, key="g", reason="x")

    with pytest.raises(Conflict) as refused:
        points_spend(buyer=shop.buyer, merchant=shop.merchant, points=101, key="s")
    with pytest.raises(Conflict) as nothing_held:
        points_spend(buyer=testing.make_consumer(), merchant=shop.merchant, points=1, key="s")

    assert (refused.value.code, refused.value.detail) == ("points_insufficient", {"points": 101, "held": 100})
    assert nothing_held.value.code == "points_insufficient"
    assert (balance(shop), history(shop), PointsAccount.objects.count()) == (100, [(100, "grant", "g")], 1)


def test_points_are_kept_per_merchant(shop):
    other = testing.make_merchant()
    points_grant(user=shop.buyer, merchant=other, points=100, key="g", reason="x")

    with pytest.raises(Conflict):
        points_spend(buyer=shop.buyer, merchant=shop.merchant, points=1, key="s")
    assert balance(shop) == 0


@pytest.mark.parametrize("points", [0, -5, True, 10**13])
def test_points_are_whole_numbers_above_zero(shop, points):
    with pytest.raises(InvalidInput):
        points_grant(user=shop.buyer, merchant=shop.merchant, points=points, key="g", reason="x")
    with pytest.raises(InvalidInput):
        points_spend(buyer=shop.buyer, merchant=shop.merchant, points=points, key="s")
    assert PointsEntry.objects.count() == 0


def test_the_database_refuses_a_negative_balance(shop):
    from django.db import IntegrityError, transaction

    account = PointsAccount.objects.create(user=shop.buyer, merchant=shop.merchant, created_at=clock.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsAccount.objects.filter(pk=account.pk).update(balance=-1)
