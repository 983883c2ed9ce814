from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from linkmall import testing
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkmall.core.tasks import run_due
from linkmall.orders.models import Fulfilment, Order
from linkmall.orders.services import (
    fulfilment_auto_receive,
    fulfilment_ship,
    order_cancel,
    order_confirm_receipt,
    order_expire,
    order_mark_paid,
)
from linkmall.orders.tests.factories import place, stock_of
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db


def ship(shop, order, supplier_index=0, tracking="SF1234567890"):
    staff = testing.make_supplier_staff(shop.suppliers[supplier_index])
    fulfilment = order.fulfilments.get(supplier=shop.suppliers[supplier_index])
    return fulfilment_ship(actor=staff, fulfilment=fulfilment, carrier="SF", tracking_number=tracking)


def test_the_buyer_cancels_an_unpaid_order_and_its_stock_comes_back(shop):
    order = place(shop, [(shop.listings[0].pk, 4)])
    order = order_cancel(actor=shop.buyer, order=order)

    assert order.status == Order.Status.CANCELLED
    assert set(order.fulfilments.values_list("status", flat=True)) == {Fulfilment.Status.CANCELLED}
    assert stock_of(shop.skus[0]) == 100


def test_a_paid_order_cannot_be_cancelled_by_the_buyer(shop):
    order = place(shop)
    pay(order)
    with pytest.raises(Conflict) as err:
        order_cancel(actor=shop.buyer, order=order)
    assert err.value.code == "order_not_cancellable"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert stock_of(shop.skus[0]) == 99


def test_another_consumer_cannot_cancel(shop):
    order = place(shop)
    with pytest.raises(NotFound):
        order_cancel(actor=testing.make_consumer(), order=order)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_an_unpaid_order_expires_after_the_timeout_and_releases_its_stock_once(shop):
    order = place(shop, [(shop.listings[0].pk, 2)])
    clock.advance(timedelta(minutes=14))
    assert run_due() == 0
    clock.advance(timedelta(minutes=1, seconds=1))

    assert run_due() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert stock_of(shop.skus[0]) == 100
    assert order_expire(order_id=order.pk) is False
    assert stock_of(shop.skus[0]) == 100


def test_expiry_before_the_time_changes_nothing(shop):
    order = place(shop)
    assert order_expire(order_id=order.pk) is False
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order_expire(order_id=987654) is False


def test_a_paid_order_does_not_expire(shop):
    order = place(shop)
    pay(order)
    clock.advance(timedelta(hours=1))
    run_due()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert stock_of(shop.skus[0]) == 99


def test_marking_paid_twice_is_refused(shop):
    order = place(shop)
    order_mark_paid(order_id=order.pk, paid_at=clock.now())
    with pytest.raises(Conflict) as err:
        order_mark_paid(order_id=order.pk, paid_at=clock.now())
    assert err.value.code == "order_not_payable"


def test_shipping_every_part_ships_the_order_and_receipt_completes_it(shop):
    order = place(shop, [(shop.listings[0].pk, 1), (shop.listings[2].pk, 1)])
    pay(order)

    ship(shop, order, 0)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    ship(shop, order, 1, tracking="SF0000000002")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED

    order = order_confirm_receipt(actor=shop.buyer, order=order)
    assert order.status == Order.Status.COMPLETED
    assert order.completed_at is not None
    assert set(order.fulfilments.values_list("received_by", flat=True)) == {"buyer"}


def test_confirming_receipt_before_anything_shipped_is_refused(shop):
    order = place(shop)
    pay(order)
    with pytest.raises(Conflict) as err:
        order_confirm_receipt(actor=shop.buyer, order=order)
    assert err.value.code == "nothing_shipped"


def test_another_supplier_cannot_ship_and_consumers_cannot_ship(shop):
    order = place(shop)
    pay(order)
    fulfilment = order.fulfilments.get()
    with pytest.raises(NotFound):
        fulfilment_ship(
            actor=testing.make_supplier_staff(shop.suppliers[1]),
            fulfilment=fulfilment,
            carrier="SF",
            tracking_number="SF1234567890",
        )
    with pytest.raises(PermissionDenied):
        fulfilment_ship(actor=shop.buyer, fulfilment=fulfilment, carrier="SF", tracking_number="SF1234567890")
    fulfilment.refresh_from_db()
    assert (fulfilment.status, fulfilment.tracking_number) == (Fulfilment.Status.TO_SHIP, "")


def test_an_unpaid_fulfilment_cannot_be_shipped_nor_shipped_twice(shop):
    order = place(shop)
    with pytest.raises(Conflict) as err:
        ship(shop, order)
    assert err.value.code == "not_shippable"
    pay(order)
    ship(shop, order)
    with pytest.raises(Conflict):
        ship(shop, order, tracking="SF9999999999")
    assert order.fulfilments.get().tracking_number == "SF1234567890"


@pytest.mark.parametrize(("carrier", "tracking"), [("XX", "SF1234567890"), ("SF", "12"), ("SF", "有中文123456")])
def test_bad_carrier_or_tracking_number_is_refused(shop, carrier, tracking):
    order = place(shop)
    pay(order)
    with pytest.raises(InvalidInput):
        fulfilment_ship(
            actor=testing.make_supplier_staff(shop.suppliers[0]),
            fulfilment=order.fulfilments.get(),
            carrier=carrier,
            tracking_number=tracking,
        )


def test_receipt_is_confirmed_automatically_after_the_configured_days(shop, settings):
    settings.LINKMALL = {**settings.LINKMALL, "AUTO_RECEIVE_DAYS": 7}
    order = place(shop)
    pay(order)
    fulfilment = ship(shop, order)
    assert DBTaskResult.objects.filter(task_path__endswith="fulfilment_auto_receive_task").count() == 1

    clock.advance(timedelta(days=6, hours=23))
    run_due()
    assert fulfilment_auto_receive(fulfilment_id=fulfilment.pk) is False
    clock.advance(timedelta(hours=1, seconds=1))
    run_due()

    order.refresh_from_db()
    fulfilment.refresh_from_db()
    assert (fulfilment.status, fulfilment.received_by) == (Fulfilment.Status.RECEIVED, "auto")
    assert order.status == Order.Status.COMPLETED
    assert fulfilment_auto_receive(fulfilment_id=fulfilment.pk) is False


def test_auto_receipt_does_not_override_the_buyers_confirmation(shop):
    order = place(shop)
    pay(order)
    fulfilment = ship(shop, order)
    order_confirm_receipt(actor=shop.buyer, order=order)
    clock.advance(timedelta(days=11))
    run_due()
    fulfilment.refresh_from_db()
    assert fulfilment.received_by == "buyer"
