"""Real threads against a real database: the locks and guarded updates hold under contention."""


import pytest

from linkmall import testing
from linkmall.catalog.models import Sku
from linkmall.core.errors import Conflict
from linkmall.orders.models import Order
from linkmall.orders.services import order_place
from linkmall.orders.tests.factories import make_shop, stock_of
from linkmall.testing import copies, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_buyers_racing_for_the_last_units_never_oversell():
    shop = make_shop(suppliers=2, skus_per_supplier=1, stock=5)
    buyers = [testing.make_consumer() for _ in range(8)]
    addresses = [testing.make_address(b) for b in buyers]
    # half the buyers list the lines in the opposite order: the SKU-id lock order prevents deadlock
    lines = [(shop.listings[0].pk, 1), (shop.listings[1].pk, 1)]

    def buy(i):
        return order_place(
            buyer=buyers[i],
            merchant=shop.merchant,
            lines=lines if i % 2 else lines[::-1],
            address=addresses[i],
            client_token=f"race-{i}",
        )

    results = race(*copies(buy, 8))

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert (len(placed), len(refused)) == (5, 3), results
    assert {r.code for r in refused} == {"out_of_stock"}
    assert [stock_of(s) for s in shop.skus] == [0, 0]
    assert Order.objects.count() == 5


def test_one_buyer_retrying_the_same_checkout_at_once_gets_one_order():
    shop = make_shop(suppliers=1, skus_per_supplier=1, stock=10)

    def buy(i):
        return order_place(
            buyer=shop.buyer,
            merchant=shop.merchant,
            lines=[(shop.listings[0].pk, 2)],
            address=shop.address,
            client_token="same-tap",
        )

    results = race(*copies(buy, 6))

    assert all(isinstance(r, Order) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Order.objects.count() == 1
    assert Sku.objects.get(pk=shop.skus[0].pk).stock == 8


def test_checkouts_racing_with_the_same_coupon_and_points_place_one_order_and_hold_stock_once():
    from decimal import Decimal

    from linkmall.campaigns.models import Coupon, PointsAccount
    from linkmall.campaigns.services import coupon_claim, points_grant
    from linkmall.campaigns.tests.factories import make_template
    from linkmall.testing import outcomes

    shop = make_shop(suppliers=1, skus_per_supplier=1, stock=10)
    coupon = coupon_claim(user=shop.buyer, template_id=make_template(shop.merchant, value=Decimal(500)).pk)
    points_grant(user=shop.buyer, merchant=shop.merchant, points=1000, key="gift", reason="注册")

    def buy(i):
        return order_place(buyer=shop.buyer, merchant=shop.merchant, lines=[(shop.listings[0].pk, 1)],
                           address=shop.address, client_token=f"tap-{i}", coupon_id=coupon.pk, points=1000)

    results = outcomes(race(*copies(buy, 4)))

    placed = [r for r in results if isinstance(r, Order)]
    assert len(placed) == 1 and sorted(r for r in results if isinstance(r, str)) == ["coupon_used"] * 3, results
    assert (placed[0].total_fen, Order.objects.count(), stock_of(shop.skus[0])) == (9900 - 500 - 1000, 1, 9)
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.USED
    assert PointsAccount.objects.get(user=shop.buyer).balance == 0
