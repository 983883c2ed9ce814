from datetime import timedelta

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from linkmall import testing
from linkmall.catalog.models import Sku
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkmall.orders.models import CartLine, Fulfilment, Order, OrderLine
from linkmall.orders.services import cart_add, order_place, order_place_from_cart
from linkmall.orders.tests.factories import make_shop, place, stock_of

pytestmark = pytest.mark.django_db


def test_placing_an_order_reserves_stock_and_snapshots_every_line(shop):
    a, b, c = shop.listings[0], shop.listings[1], shop.listings[2]
    order = place(shop, [(a.pk, 2), (b.pk, 1), (c.pk, 3)], note=" 请尽快发货 ")

    assert order.status == Order.Status.PENDING_PAYMENT
    assert (order.goods_fen, order.shipping_fen, order.total_fen) == (6 * 9900, 0, 6 * 9900)
    assert order.note == "请尽快发货"
    assert order.address == shop.address.snapshot()
    assert len(order.number) == 18 and order.number.isdigit()
    assert [stock_of(s) for s in shop.skus] == [98, 99, 97, 100]
    lines = list(order.lines.order_by("sku_id"))
    assert [
        (line.sku_id, line.quantity, line.unit_price_fen, line.unit_cost_fen, line.unit_pool_fen) for line in lines
    ] == [
        (shop.skus[0].pk, 2, 9900, 5000, 1000),
        (shop.skus[1].pk, 1, 9900, 5000, 1000),
        (shop.skus[2].pk, 3, 9900, 5000, 1000),
    ]
    assert lines[0].product_name == shop.skus[0].product.name
    assert lines[0].spec_text == "规格:款1"


def test_lines_are_grouped_into_one_fulfilment_per_supplier(shop):
    order = place(shop, [(listing.pk, 1) for listing in shop.listings])

    fulfilments = list(order.fulfilments.order_by("supplier_id"))
    assert [f.supplier_id for f in fulfilments] == sorted(s.pk for s in shop.suppliers)
    assert all(f.status == Fulfilment.Status.AWAITING_PAYMENT for f in fulfilments)
    for fulfilment in fulfilments:
        assert {line.supplier_id for line in fulfilment.lines.all()} == {fulfilment.supplier_id}
        assert fulfilment.lines.count() == 2


def test_a_retry_with_the_same_client_token_returns_the_same_order_and_reserves_nothing_twice(shop):
    first = place(shop, [(shop.listings[0].pk, 2)], token="abc")
    again = place(shop, [(shop.listings[0].pk, 2)], token="abc")

    assert again.pk == first.pk
    assert Order.objects.count() == 1
    assert stock_of(shop.skus[0]) == 98
    assert DBTaskResult.objects.count() == 1


def test_a_client_token_of_one_merchant_cannot_be_reused_at_another(shop):
    place(shop, token="abc")
    other = make_shop()
    listing = testing.make_listing(other.merchant, shop.skus[0])

    with pytest.raises(Conflict) as err:
        order_place(
            buyer=shop.buyer, merchant=other.merchant, lines=[(listing.pk, 1)], address=shop.address, client_token="abc"
        )
    assert err.value.code == "client_token_reused"


def test_when_one_line_is_out_of_stock_nothing_is_reserved(shop):
    Sku.objects.filter(pk=shop.skus[3].pk).update(stock=1)

    with pytest.raises(Conflict) as err:
        place(shop, [(shop.listings[0].pk, 1), (shop.listings[3].pk, 2)])

    assert err.value.code == "out_of_stock"
    assert [stock_of(s) for s in shop.skus] == [100, 100, 100, 1]
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_another_merchants_listing_answers_not_found(shop):
    other = make_shop()

    with pytest.raises(NotFound):
        place(shop, [(other.listings[0].pk, 1)])
    assert stock_of(other.skus[0]) == 100


@pytest.mark.parametrize("what", ["listing", "sku", "product"])
def test_inactive_listings_skus_and_products_cannot_be_bought(shop, what):
    listing = shop.listings[0]
    if what == "listing":
        type(listing).objects.filter(pk=listing.pk).update(is_active=False)
    elif what == "sku":
        Sku.objects.filter(pk=listing.sku_id).update(is_active=False)
    else:
        type(listing.product).objects.filter(pk=listing.product_id).update(status="archived")

    with pytest.raises(Conflict) as err:
        place(shop)
    assert err.value.code == "not_available"
    assert stock_of(shop.skus[0]) == 100


@pytest.mark.parametrize(
    "lines", [[], [(1, 0)], [(1, 1000)], [(1, -1)], [("1", 1)], [(1, True)], [(1,)], "nope", [(1, 500), (1, 500)]]
)
def test_bad_lines_are_refused(shop, lines):
    with pytest.raises(InvalidInput):
        place(shop, lines)
    assert Order.objects.count() == 0


def test_the_same_listing_twice_is_merged_into_one_line(shop):
    order = place(shop, [(shop.listings[0].pk, 2), (shop.listings[0].pk, 3)])

    assert list(order.lines.values_list("quantity", flat=True)) == [5]
    assert stock_of(shop.skus[0]) == 95


def test_someone_elses_address_answers_not_found(shop):
    stranger = testing.make_consumer()
    with pytest.raises(NotFound):
        place(shop, address=testing.make_address(stranger))
    assert Order.objects.count() == 0


def test_store_and_guide_must_belong_to_the_merchant(shop):
    other = testing.make_merchant()
    with pytest.raises(NotFound):
        place(shop, store=testing.make_store(other))
    with pytest.raises(NotFound):
        place(shop, guide=testing.make_guide(testing.make_store(other)))
    store = testing.make_store(shop.merchant)
    guide = testing.make_guide(store)
    order = place(shop, store=store, guide=guide)
    assert (order.store_id, order.guide_id) == (store.pk, guide.pk)


def test_staff_cannot_place_orders(shop):
    staff = testing.make_merchant_owner(shop.merchant)
    with pytest.raises(PermissionDenied):
        place(shop, buyer=staff)


def test_a_long_note_is_refused(shop):
    with pytest.raises(InvalidInput):
        place(shop, note="长" * 201)


def test_the_expiry_task_is_stored_with_the_order(shop):
    clock.freeze(clock.now())
    order = place(shop)

    task = DBTaskResult.objects.get()
    assert task.task_path == "linkmall.orders.tasks.order_expire_task"
    assert task.args_kwargs == {"args": [order.pk], "kwargs": {}}
    assert task.run_after == order.expires_at == order.placed_at + timedelta(minutes=15)


@pytest.mark.parametrize("line_count", [1, 3, 10, 50])
def test_checkout_takes_sixteen_queries_however_many_lines(django_assert_num_queries, line_count):
    # token lookup, savepoint, listings, pricing (an earlier paid order here?, the running
    # promotions, the buyer's usable coupons, the buyer's points — campaigns.md §1),
    # stock (savepoint, lock, one guarded UPDATE, release), order, fulfilments, lines, expiry task, release.
    # The lines are one INSERT, except where the database caps the parameters of one statement:
    # SQLite's 999 make Django split the lines (25 columns each since campaigns) into batches of 39,
    # so the 50 lines an order may have at most take two there.
    fields = [f for f in OrderLine._meta.concrete_fields if not f.primary_key]
    batch = connection.ops.bulk_batch_size(fields, [None] * line_count)
    queries = 15 + -(-line_count // batch)
    shop = make_shop(suppliers=2, skus_per_supplier=25)
    lines = [(listing.pk, 1) for listing in shop.listings[:line_count]]

    with django_assert_num_queries(queries):
        place(shop, lines)


def test_checkout_from_the_cart_takes_one_merchants_lines_and_clears_them(shop):
    other = make_shop()
    cart_add(user=shop.buyer, listing=shop.listings[0], quantity=2)
    cart_add(user=shop.buyer, listing=shop.listings[2], quantity=1)
    cart_add(user=shop.buyer, listing=other.listings[0], quantity=1)

    order = order_place_from_cart(buyer=shop.buyer, merchant=shop.merchant, address=shop.address, client_token="cart-1")

    assert sorted(order.lines.values_list("listing_id", "quantity")) == [
        (shop.listings[0].pk, 2),
        (shop.listings[2].pk, 1),
    ]
    assert list(CartLine.objects.filter(user=shop.buyer).values_list("listing_id", flat=True)) == [other.listings[0].pk]
    again = order_place_from_cart(buyer=shop.buyer, merchant=shop.merchant, address=shop.address, client_token="cart-1")
    assert again.pk == order.pk


def test_checkout_from_an_empty_cart_is_refused(shop):
    with pytest.raises(Conflict) as err:
        order_place_from_cart(buyer=shop.buyer, merchant=shop.merchant, address=shop.address, client_token="x")
    assert err.value.code == "cart_empty"


def test_a_failed_cart_checkout_keeps_the_cart(shop):
    cart_add(user=shop.buyer, listing=shop.listings[0], quantity=2)
    Sku.objects.filter(pk=shop.skus[0].pk).update(stock=1)

    with pytest.raises(Conflict):
        order_place_from_cart(buyer=shop.buyer, merchant=shop.merchant, address=shop.address, client_token="x")
    assert CartLine.objects.filter(user=shop.buyer).count() == 1


def test_a_listing_whose_cost_rose_above_its_price_is_not_sold(shop):
    listing = shop.listings[0]
    Sku.objects.filter(pk=listing.sku_id).update(cost_fen=listing.price_fen + 1)
    stock_before = Sku.objects.get(pk=listing.sku_id).stock
    with pytest.raises(Conflict) as err:
        place(shop, [(listing.pk, 1)])
    assert (err.value.code, err.value.detail["reason"]) == ("not_available", "price_below_cost")
    assert Sku.objects.get(pk=listing.sku_id).stock == stock_before
    assert not Order.objects.exists()
