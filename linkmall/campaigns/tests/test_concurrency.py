"""Real threads against a real database. None of these races rests on a row lock: the total holds
through the guarded UPDATE of `issued`, the per-user limit through the unique (template, user, slot),
keys through their unique constraints, and points through the guarded UPDATE of the balance."""

import pytest

from linkmall import testing
from linkmall.campaigns.models import Coupon, CouponTemplate, PointsAccount, PointsEntry
from linkmall.campaigns.services import coupon_claim, coupon_template_update, points_grant, points_spend
from linkmall.campaigns.tests.factories import make_shop, make_template
from linkmall.core.errors import DomainError, InvalidInput
from linkmall.testing import copies, outcomes, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_buyers_racing_for_five_coupons_get_exactly_five():
    shop = make_shop()
    template = make_template(shop.merchant, total=5)
    buyers = [testing.make_consumer() for _ in range(20)]

    results = outcomes(race(*copies(lambda i: coupon_claim(user=buyers[i], template_id=template.pk).pk, 20)))

    assert sorted(r for r in results if isinstance(r, str)) == ["coupon_sold_out"] * 15
    assert Coupon.objects.filter(template=template).count() == 5
    assert CouponTemplate.objects.values_list("issued", flat=True).get(pk=template.pk) == 5


def test_one_buyer_tapping_ten_times_at_once_gets_no_more_than_the_limit():
    shop = make_shop()
    template = make_template(shop.merchant, total=100, per_user_limit=2)

    results = outcomes(race(*copies(lambda i: coupon_claim(user=shop.buyer, template_id=template.pk).slot, 10)))

    assert sorted(results, key=str) == [1, 2, *["coupon_limit_reached"] * 8]
    assert Coupon.objects.filter(template=template, user=shop.buyer).count() == 2
    assert CouponTemplate.objects.values_list("issued", flat=True).get(pk=template.pk) == 2


def test_the_same_key_sent_eight_times_at_once_issues_one_coupon():
    shop = make_shop()
    template = make_template(shop.merchant, total=100, per_user_limit=5)

    results = outcomes(race(*copies(
        lambda i: coupon_claim(user=shop.buyer, template_id=template.pk, key="tap").pk, 8)))

    assert len(set(results)) == 1 and isinstance(results[0], int), results
    assert CouponTemplate.objects.values_list("issued", flat=True).get(pk=template.pk) == 1


def test_checkouts_racing_for_the_same_points_never_overdraw():
    shop = make_shop()
    points_grant(user=shop.buyer, merchant=shop.merchant, points=500, key="g", reason="x")

    results = outcomes(race(*copies(
        lambda i: points_spend(buyer=shop.buyer, merchant=shop.merchant, points=100, key=f"order:{i}"), 10)))

    assert sorted(results, key=str) == [*[None] * 5, *["points_insufficient"] * 5]
    assert PointsAccount.objects.get(user=shop.buyer).balance == 0
    assert PointsEntry.objects.filter(kind="spend").count() == 5


def test_a_grant_delivered_six_times_at_once_counts_once():
    shop = make_shop()

    results = outcomes(race(*copies(
        lambda i: points_grant(user=shop.buyer, merchant=shop.merchant, points=300, key="order:1", reason="x").pk, 6)))

    assert len(set(results)) == 1, results
    assert PointsAccount.objects.get(user=shop.buyer).balance == 300


@pytest.mark.row_locks
def test_the_owner_capping_the_total_at_what_was_issued_while_buyers_claim_never_breaks_the_count():
    """"Stop at what has gone out": the owner sets the total to the issued count again and again while
    buyers claim. The template's lock holds the claims off while the change checks `issued` and writes
    the total; without it a claim slips in between and the write breaks the database's issued ≤ total."""
    shop = make_shop()
    template = make_template(shop.merchant, total=1000, per_user_limit=10)
    buyers = [testing.make_consumer() for _ in range(20)]

    def owner_caps():
        done = []
        for _ in range(60):
            issued_now = CouponTemplate.objects.values_list("issued", flat=True).get(pk=template.pk)
            try:
                done.append(coupon_template_update(actor=shop.owner, template_id=template.pk,
                                                   total=max(issued_now, 1)).total)
            except InvalidInput as exc:
                done.append(exc.code)
        return done

    def buyer_claims(i):
        return outcomes(race_free(lambda: coupon_claim(user=buyers[i], template_id=template.pk).pk, 4))

    results = outcomes(race(owner_caps, *copies(buyer_claims, 20)))

    caps, claims = results[0], [c for each in results[1:] for c in each]
    assert all(isinstance(c, int) or c == "invalid_input" for c in caps), caps
    issued, total = CouponTemplate.objects.values_list("issued", "total").get(pk=template.pk)
    assert issued == Coupon.objects.filter(template=template).count() == len([c for c in claims if isinstance(c, int)])
    assert issued <= total
    assert set(c for c in claims if isinstance(c, str)) <= {"coupon_sold_out"}


def race_free(job, times: int) -> list[object]:
    """`job` run `times` times in this thread, each outcome kept (a refusal as its exception)."""
    done: list[object] = []
    for _ in range(times):
        try:
            done.append(job())
        except DomainError as exc:
            done.append(exc)
    return done
