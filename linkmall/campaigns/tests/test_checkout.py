"""What the orders app calls at checkout: the offers of a buyer at a merchant, one coupon checked
for an order, the best coupon, and using and releasing a coupon."""

from datetime import timedelta
from decimal import Decimal

import pytest

from linkmall import testing
from linkmall.campaigns.models import Coupon
from linkmall.campaigns.pricing import LineIn, Scope, price_order
from linkmall.campaigns.selectors import best_coupon, checkout_offers, coupon_for_checkout
from linkmall.campaigns.services import coupon_claim, coupon_release, coupon_use, points_grant
from linkmall.campaigns.tests.factories import make_promotion, make_template
from linkmall.core import clock
from linkmall.core.errors import Conflict, NotFound

pytestmark = pytest.mark.django_db


def lines_of(shop, *amounts):
    return [LineIn(key=i, quantity=1, list_fen=amount, product_id=shop.products[i % 2].pk,
                   category_id=shop.category.pk) for i, amount in enumerate(amounts)]


def claim(shop, **fields):
    return coupon_claim(user=shop.buyer, template_id=make_template(shop.merchant, **fields).pk)


def test_the_offers_are_the_running_promotions_the_points_and_the_usable_coupons(shop, frozen,
                                                                                 django_assert_num_queries):
    running = make_promotion(shop.merchant)
    make_promotion(shop.merchant, status="paused")
    make_promotion(shop.merchant, starts_at=frozen + timedelta(hours=1))
    make_promotion(shop.merchant, starts_at=frozen - timedelta(days=2), ends_at=frozen)
    make_promotion(testing.make_merchant())
    newcomers = make_promotion(shop.merchant, name="新客立减", threshold_fen=0, new_customers_only=True)
    later = claim(shop, valid_days=7)
    sooner = claim(shop, valid_days=2)
    claim(shop, valid_from=frozen + timedelta(days=1), valid_until=frozen + timedelta(days=2))  # not yet
    points_grant(user=shop.buyer, merchant=shop.merchant, points=800, key="signup", reason="注册")

    with django_assert_num_queries(3):
        offers = checkout_offers(buyer=shop.buyer, merchant=shop.merchant, first_order=False)
    first = checkout_offers(buyer=shop.buyer, merchant=shop.merchant, first_order=True)

    assert [o.ref for o in offers.promotions] == [running.pk]
    assert [o.ref for o in first.promotions] == [running.pk, newcomers.pk]
    assert (offers.level_percent_off, offers.points_held) == (Decimal(0), 800)
    assert [(c.pk, o.ref, o.value, o.kind) for c, o in offers.coupons] == [(sooner.pk, sooner.pk, 500, "amount"),
                                                                          (later.pk, later.pk, 500, "amount")]


def test_a_category_scope_covers_the_categories_below_it(shop):
    parent = testing.make_category("个护")
    shop.category.parent = parent
    shop.category.save()
    coupon = claim(shop, scope_kind="categories", scope_ids=[parent.pk])

    _, offer = coupon_for_checkout(buyer=shop.buyer, merchant=shop.merchant, coupon_id=coupon.pk)

    assert offer.scope == Scope("categories", frozenset({parent.pk, shop.category.pk}))
    assert price_order(lines_of(shop, 9900), coupon=offer).coupon_fen == 500


def test_a_coupon_for_checkout_says_why_it_cannot_be_used(shop, frozen):
    stranger = testing.make_consumer()
    elsewhere = coupon_claim(user=shop.buyer, template_id=make_template(testing.make_merchant()).pk)
    used = claim(shop)
    Coupon.objects.filter(pk=used.pk).update(status="used", used_at=frozen)
    expired = claim(shop, valid_days=1)
    Coupon.objects.filter(pk=expired.pk).update(status="expired")  # as the daily expiry leaves it
    early = claim(shop, valid_from=frozen + timedelta(days=1), valid_until=frozen + timedelta(days=2))
    good = claim(shop)

    def code(buyer, coupon_id):
        try:
            coupon_for_checkout(buyer=buyer, merchant=shop.merchant, coupon_id=coupon_id)
        except (Conflict, NotFound) as exc:
            return exc.code
        return "ok"

    assert [code(shop.buyer, c.pk) for c in (elsewhere, used, expired, early, good)] == [
        "coupon_other_merchant", "coupon_used", "coupon_expired", "coupon_not_started", "ok"]
    assert code(stranger, good.pk) == "not_found"
    assert code(shop.buyer, 10**9) == "not_found"


def test_the_best_coupon_saves_most_after_the_promotion_and_ties_go_to_the_soonest_to_expire(shop, frozen):
    make_promotion(shop.merchant)  # 满100减10
    five_later = claim(shop, valid_days=9)
    five_sooner = claim(shop, valid_days=3)
    # 满100减20, but after the promotion an order of 105.00 has 95.00 left: below the threshold
    claim(shop, value=Decimal(2000), threshold_fen=10000)
    ten_percent = claim(shop, kind="percent", value=Decimal(10))
    offers = checkout_offers(buyer=shop.buyer, merchant=shop.merchant, first_order=False)

    assert best_coupon(lines=lines_of(shop, 10500), offers=offers).pk == ten_percent.pk  # 9.50 off
    assert best_coupon(lines=lines_of(shop, 4000), offers=offers).pk == five_sooner.pk  # 5.00 beats 4.00
    assert five_later.pk != five_sooner.pk


def test_no_best_coupon_when_none_takes_anything_off(shop):
    claim(shop, threshold_fen=50000)
    offers = checkout_offers(buyer=shop.buyer, merchant=shop.merchant, first_order=False)

    assert best_coupon(lines=lines_of(shop, 9900), offers=offers) is None


def test_using_a_coupon_marks_it_used_once(shop, frozen):
    coupon = claim(shop)

    coupon_use(coupon_id=coupon.pk, buyer=shop.buyer)
    with pytest.raises(Conflict) as again:
        coupon_use(coupon_id=coupon.pk, buyer=shop.buyer)

    coupon.refresh_from_db()
    assert (coupon.status, coupon.used_at, again.value.code) == ("used", frozen, "coupon_used")


def test_another_buyers_or_an_expired_coupon_cannot_be_used_and_stays_as_it_was(shop, frozen):
    coupon = claim(shop, valid_days=1)

    with pytest.raises(NotFound):
        coupon_use(coupon_id=coupon.pk, buyer=testing.make_consumer())
    clock.advance(timedelta(days=1))
    with pytest.raises(Conflict) as expired:
        coupon_use(coupon_id=coupon.pk, buyer=shop.buyer)

    coupon.refresh_from_db()
    assert (coupon.status, coupon.used_at, expired.value.code) == ("available", None, "coupon_expired")


def test_releasing_gives_a_valid_coupon_back_and_expires_one_past_its_end(shop, frozen):
    keeps = claim(shop, valid_days=3)
    lapses = claim(shop, valid_days=1)
    for coupon in (keeps, lapses):
        coupon_use(coupon_id=coupon.pk, buyer=shop.buyer)
    clock.advance(timedelta(days=2))

    for _ in range(2):  # a repeat changes nothing
        coupon_release(coupon_id=keeps.pk)
        coupon_release(coupon_id=lapses.pk)

    assert dict(Coupon.objects.values_list("pk", "status")) == {keeps.pk: "available", lapses.pk: "expired"}
    assert list(Coupon.objects.values_list("used_at", flat=True)) == [None, None]


def test_a_released_coupon_can_be_used_again(shop):
    coupon = claim(shop)
    coupon_use(coupon_id=coupon.pk, buyer=shop.buyer)
    coupon_release(coupon_id=coupon.pk)

    coupon_use(coupon_id=coupon.pk, buyer=shop.buyer)

    assert Coupon.objects.get(pk=coupon.pk).status == "used"
