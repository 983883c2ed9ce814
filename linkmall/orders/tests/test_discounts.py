"""Checkout with campaigns (docs/specs/campaigns.md §1, §4): every step of a line's price is stored,
the coupon is used and the points spent with the order, a refusal changes nothing, and an unpaid
order that is cancelled or expires gives its coupon and points back."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linkmall import testing
from linkmall.campaigns.models import Coupon, PointsAccount, PointsEntry
from linkmall.campaigns.services import coupon_claim, points_grant
from linkmall.campaigns.tests.factories import make_promotion, make_template
from linkmall.core import clock
from linkmall.core.errors import Conflict, NotFound
from linkmall.orders.models import Order
from linkmall.orders.services import order_cancel, order_expire, order_mark_paid, order_place
from linkmall.orders.tests.factories import make_shop, stock_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(clock.now())


@pytest.fixture
def shop(db):
    """Two listings: A at 100.00 (sold 3 in the tests) and B at 50.00 (sold 1) — 350.00 listed."""
    shop = make_shop(skus_per_supplier=1, suppliers=2, price_fen=10000, cost_fen=4000)
    shop.listings[1].price_fen = 5000
    shop.listings[1].save(update_fields=["price_fen"])
    shop.skus[1].cost_fen = 2000
    shop.skus[1].save(update_fields=["cost_fen"])
    return shop


def claim(shop, **fields):
    return coupon_claim(user=shop.buyer, template_id=make_template(shop.merchant, **fields).pk)


def buy(shop, token="t-1", **kwargs):
    return order_place(buyer=shop.buyer, merchant=shop.merchant, address=shop.address, client_token=token,
                       lines=kwargs.pop("lines", [(shop.listings[0].pk, 3), (shop.listings[1].pk, 1)]), **kwargs)


def points_of(shop):
    return PointsAccount.objects.filter(user=shop.buyer, merchant=shop.merchant).values_list("balance", flat=True).get()


def steps(order):
    return [(line.list_fen, line.activity_fen, line.level_fen, line.promotion_fen, line.promotion_funder,
             line.coupon_fen, line.coupon_funder, line.points_used, line.points_fen, line.paid_fen)
            for line in order.lines.order_by("listing_id")]


@pytest.fixture
def offers(shop):
    """满300减30 by the merchant, a 20.00 coupon paid by the platform, 50.00 of points held."""
    promotion = make_promotion(shop.merchant, value=Decimal(3000), threshold_fen=30000)
    coupon = claim(shop, value=Decimal(2000), funder="platform", name="平台20元券")
    points_grant(user=shop.buyer, merchant=shop.merchant, points=5000, key="gift", reason="注册")
    return promotion, coupon


def test_a_coupon_order_pays_p_and_stores_every_step_with_its_funder(shop, offers):
    promotion, coupon = offers

    order = buy(shop, coupon_id=coupon.pk, points=1000)

    # 350.00 − 30.00 (promotion: 25.71 / 4.29 by what each line had) − 20.00 (coupon: 17.14 / 2.86)
    # − 10.00 of points (8.57 / 1.43) = 290.00, each split by largest remainder
    assert (order.list_fen, order.discount_fen, order.goods_fen, order.total_fen) == (35000, 6000, 29000, 29000)
    assert (order.points_used, order.coupon_id, order.promotion_id) == (1000, coupon.pk, promotion.pk)
    assert steps(order) == [
        (30000, 30000, 0, 2571, "merchant", 1714, "platform", 857, 857, 24858),
        (5000, 5000, 0, 429, "merchant", 286, "platform", 143, 143, 4142),
    ]
    assert [line.platform_funded_fen for line in order.lines.order_by("listing_id")] == [1714, 286]
    coupon.refresh_from_db()
    assert (coupon.status, coupon.used_at) == (Coupon.Status.USED, clock.now())
    assert points_of(shop) == 4000
    assert PointsEntry.objects.filter(key=f"order:{order.pk}:points").values_list("delta", "kind").get() == (
        -1000, "spend")


def test_an_order_without_offers_is_priced_as_before(shop):
    order = buy(shop)

    assert (order.list_fen, order.discount_fen, order.goods_fen, order.points_used, order.coupon_id) == (
        35000, 0, 35000, 0, None)
    assert steps(order) == [
        (30000, 30000, 0, 0, "merchant", 0, "merchant", 0, 0, 30000),
        (5000, 5000, 0, 0, "merchant", 0, "merchant", 0, 0, 5000),
    ]
    assert [line.line_total_fen for line in order.lines.order_by("listing_id")] == [30000, 5000]


def test_a_new_customer_promotion_applies_only_before_the_first_paid_order(shop):
    make_promotion(shop.merchant, name="新客立减", value=Decimal(800), threshold_fen=0, new_customers_only=True)
    first = buy(shop, lines=[(shop.listings[1].pk, 1)])
    assert (first.goods_fen, first.discount_fen) == (4200, 800)
    order_mark_paid(order_id=first.pk, paid_at=clock.now())

    second = buy(shop, token="t-2", lines=[(shop.listings[1].pk, 1)])

    assert (second.goods_fen, second.discount_fen, second.promotion_id) == (5000, 0, None)


@pytest.mark.parametrize("refusal", ["another_buyers_coupon", "used_coupon", "too_many_points", "over_half"])
def test_a_refused_coupon_or_points_changes_nothing(shop, offers, refusal):
    _, coupon = offers
    kwargs = {"coupon_id": coupon.pk}
    if refusal == "another_buyers_coupon":
        other = testing.make_consumer()
        kwargs["coupon_id"] = coupon_claim(user=other, template_id=make_template(shop.merchant).pk).pk
    elif refusal == "used_coupon":
        buy(shop, token="first", coupon_id=coupon.pk, lines=[(shop.listings[1].pk, 1)])
    elif refusal == "too_many_points":
        kwargs["points"] = 5001
    else:
        kwargs["points"] = 5000  # all the buyer holds, but on 50.00 − 20.00 of coupon at most 1 500 points
        kwargs["lines"] = [(shop.listings[1].pk, 1)]
    stock, orders, points = [stock_of(s) for s in shop.skus], Order.objects.count(), points_of(shop)
    coupon_state = list(Coupon.objects.order_by("pk").values_list("pk", "status"))

    with pytest.raises((Conflict, NotFound)) as refused:
        buy(shop, token="refused", **kwargs)

    expected = {"another_buyers_coupon": "not_found", "used_coupon": "coupon_used",
                "too_many_points": "points_insufficient", "over_half": "points_over_limit"}[refusal]
    assert refused.value.code == expected
    assert [stock_of(s) for s in shop.skus] == stock
    assert (Order.objects.count(), points_of(shop)) == (orders, points)
    assert list(Coupon.objects.order_by("pk").values_list("pk", "status")) == coupon_state


def test_cancelling_an_unpaid_order_gives_back_its_coupon_points_and_stock(shop, offers):
    _, coupon = offers
    order = buy(shop, coupon_id=coupon.pk, points=1000)

    order_cancel(actor=shop.buyer, order=order)

    coupon.refresh_from_db()
    assert (coupon.status, coupon.used_at) == (Coupon.Status.AVAILABLE, None)
    assert points_of(shop) == 5000
    assert PointsEntry.objects.filter(key=f"order:{order.pk}:points:return").values_list("delta", "kind").get() == (
        1000, "return")
    assert [stock_of(s) for s in shop.skus] == [100, 100]
    # the coupon can be used again
    again = buy(shop, token="t-2", coupon_id=coupon.pk)
    assert again.coupon_id == coupon.pk


def test_an_expired_order_gives_back_its_points_and_a_coupon_past_its_end_stays_expired(shop, offers):
    _, coupon = offers
    order = buy(shop, coupon_id=coupon.pk, points=1000)
    Coupon.objects.filter(pk=coupon.pk).update(valid_until=clock.now() + timedelta(minutes=5))
    clock.freeze(order.expires_at + timedelta(seconds=1))

    assert order_expire(order_id=order.pk) is True
    assert order_expire(order_id=order.pk) is False  # a second run changes nothing

    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.EXPIRED
    assert points_of(shop) == 5000
    assert PointsEntry.objects.filter(account__user=shop.buyer, kind="return").count() == 1


def test_a_paid_order_cannot_be_cancelled_and_keeps_its_coupon_and_points(shop, offers):
    _, coupon = offers
    order = buy(shop, coupon_id=coupon.pk, points=1000)
    order_mark_paid(order_id=order.pk, paid_at=clock.now())

    with pytest.raises(Conflict):
        order_cancel(actor=shop.buyer, order=order)

    coupon.refresh_from_db()
    assert (coupon.status, points_of(shop)) == (Coupon.Status.USED, 4000)


def test_a_retry_with_the_same_token_spends_nothing_again(shop, offers):
    _, coupon = offers
    first = buy(shop, coupon_id=coupon.pk, points=1000)

    again = buy(shop, coupon_id=coupon.pk, points=1000)

    assert again.pk == first.pk
    assert points_of(shop) == 4000
    assert PointsEntry.objects.filter(kind="spend").count() == 1


def _count_place(shop, line_count, token, **kwargs):
    lines = [(listing.pk, 1) for listing in shop.listings[:line_count]]
    with CaptureQueriesContext(connection) as ctx:
        buy(shop, token=token, lines=lines, **kwargs)
    return len(ctx.captured_queries)


def test_a_coupon_and_points_add_the_same_few_queries_whatever_the_number_of_lines(db):
    shop = make_shop(skus_per_supplier=6, suppliers=2)
    points_grant(user=shop.buyer, merchant=shop.merchant, points=10**6, key="gift", reason="注册")
    template = make_template(shop.merchant, per_user_limit=2, total=10)
    coupons = [coupon_claim(user=shop.buyer, template_id=template.pk, key=f"c{i}").pk for i in range(2)]

    plain = [_count_place(shop, n, f"plain-{n}") for n in (1, 12)]
    offered = [_count_place(shop, n, f"offer-{n}", coupon_id=coupon, points=100)
               for n, coupon in zip((1, 12), coupons, strict=True)]

    assert plain == [16, 16]
    # coupon_use (one guarded UPDATE) and points_spend (savepoint, account, key, history row,
    # guarded UPDATE, release)
    assert offered == [23, 23]


# --- the API and the merchant's console -------------------------------------------------------


def place_body(shop, **extra):
    body = {"merchant_id": shop.merchant.pk, "address_id": shop.address.pk, "client_token": "api-1",
            "lines": [{"listing_id": shop.listings[0].pk, "quantity": 3},
                      {"listing_id": shop.listings[1].pk, "quantity": 1}]}
    body.update(extra)
    return body


def test_the_api_places_with_a_coupon_and_points_and_shows_every_step_in_yuan(client, shop, offers):
    promotion, coupon = offers
    client.force_login(shop.buyer)

    response = client.post("/api/v1/orders/", place_body(shop, coupon_id=coupon.pk, points=1000),
                           content_type="application/json")

    assert response.status_code == 201
    data = response.json()
    assert {k: data[k] for k in ("list", "discount", "goods", "total", "points_used", "coupon_id", "promotion_id")} == {
        "list": "350.00", "discount": "60.00", "goods": "290.00", "total": "290.00", "points_used": 1000,
        "coupon_id": coupon.pk, "promotion_id": promotion.pk}
    keys = ("list", "activity", "level", "promotion", "promotion_funder", "coupon", "coupon_funder",
            "points_used", "points", "paid", "line_total_fen")
    assert [tuple(line[k] for k in keys) for line in sorted(data["lines"], key=lambda x: x["listing_id"])] == [
        ("300.00", "300.00", "0.00", "25.71", "merchant", "17.14", "platform", 857, "8.57", "248.58", 24858),
        ("50.00", "50.00", "0.00", "4.29", "merchant", "2.86", "platform", 143, "1.43", "41.42", 4142),
    ]


def test_the_api_refuses_a_coupon_it_cannot_use_with_its_code(client, shop, offers):
    client.force_login(shop.buyer)
    other = testing.make_merchant()
    theirs = coupon_claim(user=shop.buyer, template_id=make_template(other).pk)

    response = client.post("/api/v1/orders/", place_body(shop, coupon_id=theirs.pk), content_type="application/json")
    too_many = client.post("/api/v1/orders/", place_body(shop, points=5001), content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (409, "coupon_other_merchant")
    assert (too_many.status_code, too_many.json()["code"]) == (409, "points_insufficient")
    assert Order.objects.count() == 0


def test_the_cart_checkout_takes_a_coupon_too(client, shop, offers):
    from linkmall.orders.services import cart_add

    _, coupon = offers
    cart_add(user=shop.buyer, listing=shop.listings[1], quantity=1)
    client.force_login(shop.buyer)

    response = client.post("/api/v1/orders/cart/checkout",
                           {"merchant_id": shop.merchant.pk, "address_id": shop.address.pk, "client_token": "c-1",
                            "coupon_id": coupon.pk, "points": 100}, content_type="application/json")

    assert response.status_code == 201
    assert (response.json()["total"], response.json()["discount"]) == ("29.00", "21.00")


def test_the_merchant_exports_each_lines_price_step_by_step(client, shop, offers):
    _, coupon = offers
    order = buy(shop, coupon_id=coupon.pk, points=1000)
    client.force_login(testing.make_merchant_owner(shop.merchant))

    page = client.get("/console/merchant/orders/")
    response = client.get("/console/merchant/orders/?format=csv")

    assert "−¥60.00" in page.content.decode()
    rows = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff").splitlines()
    assert rows[0].split(",")[6:] == ["数量", "单价", "标价金额", "活动价", "活动出资", "会员优惠", "店铺优惠",
                                      "店铺优惠出资", "优惠券", "优惠券出资", "积分", "积分抵扣", "实付", "平台补贴",
                                      "已退数量", "已退金额"]
    cells = [row.split(",") for row in rows[1:]]  # the lines in their order
    assert [c[0] for c in cells] == [order.number, order.number]
    assert [c[6:] for c in cells] == [
        ["3", "100.00", "300.00", "300.00", "商家", "0.00", "25.71", "商家", "17.14", "平台", "857", "8.57",
         "248.58", "17.14", "0", "0.00"],
        ["1", "50.00", "50.00", "50.00", "商家", "0.00", "4.29", "商家", "2.86", "平台", "143", "1.43",
         "41.42", "2.86", "0", "0.00"],
    ]


def test_an_order_the_discounts_would_make_free_is_refused_since_it_could_never_be_paid(shop):
    coupon = claim(shop, value=Decimal(5000))  # 50.00 off a 50.00 order

    with pytest.raises(Conflict) as refused:
        buy(shop, coupon_id=coupon.pk, lines=[(shop.listings[1].pk, 1)])

    assert (refused.value.code, refused.value.detail) == ("order_not_payable", {"reason": "nothing_to_pay"})
    assert Order.objects.count() == 0
    assert Coupon.objects.get(pk=coupon.pk).status == Coupon.Status.AVAILABLE


def test_the_api_quotes_a_checkout_with_the_best_coupon_before_it_is_placed(client, shop, offers,
                                                                            django_assert_num_queries):
    promotion, coupon = offers
    small = claim(shop, value=Decimal(500), name="5元券")
    client.force_login(shop.buyer)
    body = {"merchant_id": shop.merchant.pk, "best_coupon": True, "points": 1000,
            "lines": [{"listing_id": shop.listings[0].pk, "quantity": 3},
                      {"listing_id": shop.listings[1].pk, "quantity": 1}]}

    # session, user, merchant, listings, an earlier paid order?, promotions, coupons, points
    with django_assert_num_queries(8):
        response = client.post("/api/v1/orders/quote", body, content_type="application/json")

    assert response.status_code == 200
    data = response.json()
    assert {k: data[k] for k in ("list", "discount", "paid", "promotion_id", "coupon_id", "points_used",
                                 "points_held", "points_max")} == {
        "list": "350.00", "discount": "60.00", "paid": "290.00", "promotion_id": promotion.pk,
        "coupon_id": coupon.pk, "points_used": 1000, "points_held": 5000, "points_max": 5000}
    assert [(line["listing_id"], line["coupon"], line["paid"]) for line in data["lines"]] == [
        (shop.listings[0].pk, "17.14", "248.58"), (shop.listings[1].pk, "2.86", "41.42")]
    assert [(c["id"], c["discount"]) for c in data["coupons"]] == [(coupon.pk, "20.00"), (small.pk, "5.00")]
    assert Order.objects.count() == 0
    assert points_of(shop) == 5000


def test_the_api_quote_says_why_a_coupon_cannot_be_used(client, shop, offers):
    _, coupon = offers
    Coupon.objects.filter(pk=coupon.pk).update(status=Coupon.Status.USED, used_at=clock.now())
    client.force_login(shop.buyer)

    response = client.post("/api/v1/orders/quote", {
        "merchant_id": shop.merchant.pk, "coupon_id": coupon.pk,
        "lines": [{"listing_id": shop.listings[0].pk, "quantity": 1}]}, content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (409, "coupon_used")
