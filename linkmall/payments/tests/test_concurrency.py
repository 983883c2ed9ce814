"""Real threads: one payment is recorded once, and refunds never exceed what was paid."""


import pytest

from linkmall import testing
from linkmall.core.errors import Conflict
from linkmall.orders.models import Order
from linkmall.orders.tests.factories import make_shop, place
from linkmall.payments.gateways.sandbox import sandbox_notification_build, sandbox_trade_pay
from linkmall.payments.models import Payment, PaymentNotification, Refund
from linkmall.payments.services import payment_handle_notification, payment_start, refund_create
from linkmall.payments.tests.helpers import pay
from linkmall.testing import copies, race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.row_locks
def test_the_same_notification_delivered_at_once_marks_the_order_paid_once():
    shop = make_shop()
    order = place(shop)
    started = payment_start(actor=shop.buyer, order=order)
    trade = sandbox_trade_pay(out_trade_no=started.payment.out_trade_no)
    deliveries = [sandbox_notification_build(trade) for _ in range(6)]

    results = race(*copies(lambda i: payment_handle_notification(gateway="sandbox", body=deliveries[i][0], headers=deliveries[i][1]), 6))

    assert sorted(r.outcome for r in results) == ["accepted"] + ["duplicate"] * 5, results
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED
    assert Order.objects.get().status == Order.Status.PAID
    assert PaymentNotification.objects.count() == 6


def test_concurrent_refunds_of_one_line_never_exceed_it():
    shop = make_shop()
    order = place(shop, [(shop.listings[0].pk, 3)])
    pay(order)
    line = order.lines.get()
    platform = testing.make_platform_user()

    results = race(*copies(lambda i: refund_create(actor=platform, order=order, lines=[(line.pk, 2)], reason="", idempotency_key=f"k{i}"), 4))

    refunds = [r for r in results if isinstance(r, Refund)]
    assert len(refunds) == 1, results
    assert all(isinstance(r, Conflict) and r.code == "refund_exceeds" for r in results if r not in refunds)
    line.refresh_from_db()
    assert (line.refunded_quantity, line.refunded_fen) == (2, 2 * 9900)
