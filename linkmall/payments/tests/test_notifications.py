import json
from datetime import timedelta

import pytest

from linkmall.core import clock
from linkmall.core.tasks import run_due
from linkmall.orders.models import Fulfilment, Order
from linkmall.orders.tests.factories import place, stock_of
from linkmall.payments.gateways.sandbox import sandbox_notification_build, sandbox_trade_pay
from linkmall.payments.models import Payment, PaymentNotification, Refund, SandboxRefund, SandboxTrade
from linkmall.payments.services import payment_handle_notification, payment_start
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db


def outcomes():
    return list(PaymentNotification.objects.order_by("pk").values_list("outcome", flat=True))


def paid_trade(shop, **kwargs):
    order = place(shop, **kwargs)
    started = payment_start(actor=shop.buyer, order=order)
    trade = sandbox_trade_pay(out_trade_no=started.payment.out_trade_no)
    return order, started.payment, trade


def test_confirming_on_the_cashier_notifies_and_the_order_is_paid(shop):
    order = place(shop, [(shop.listings[0].pk, 2), (shop.listings[2].pk, 1)])
    payment, trade = pay(order)

    assert order.status == Order.Status.PAID
    assert order.paid_at == trade.paid_at.replace(microsecond=0)
    assert (payment.status, payment.transaction_id) == (Payment.Status.SUCCEEDED, trade.transaction_id)
    assert set(order.fulfilments.values_list("status", flat=True)) == {Fulfilment.Status.TO_SHIP}
    assert outcomes() == ["accepted"]
    trade.refresh_from_db()
    assert trade.acknowledged_at is not None and trade.notify_attempts == 1


def test_the_same_notification_delivered_ten_times_records_one_payment(shop):
    order, payment, trade = paid_trade(shop)

    results = []
    for _ in range(10):
        body, headers = sandbox_notification_build(trade)
        results.append(payment_handle_notification(gateway="sandbox", body=body, headers=headers))

    assert [r.outcome for r in results] == ["accepted"] + ["duplicate"] * 9
    assert all(r.acknowledged and r.http_status == 200 for r in results)
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert outcomes() == ["accepted"] + ["duplicate"] * 9


def test_a_bad_signature_is_refused_recorded_and_changes_nothing(shop):
    order, payment, trade = paid_trade(shop)
    body, headers = sandbox_notification_build(trade)
    headers["X-Sandbox-Signature"] = "AAAA" + headers["X-Sandbox-Signature"][4:]

    result = payment_handle_notification(gateway="sandbox", body=body, headers=headers)

    assert (result.outcome, result.http_status, result.body["code"]) == ("bad_signature", 400, "FAIL")
    assert outcomes() == ["bad_signature"]
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == (Order.Status.PENDING_PAYMENT, Payment.Status.CREATED)


def test_a_changed_body_no_longer_verifies(shop):
    order, payment, trade = paid_trade(shop)
    body, headers = sandbox_notification_build(trade)
    tampered = body.replace(str(trade.amount_fen).encode(), b"1")

    assert payment_handle_notification(gateway="sandbox", body=tampered, headers=headers).outcome == "bad_signature"
    assert payment_handle_notification(gateway="sandbox", body=body, headers={}).outcome == "bad_signature"


def test_a_signed_but_malformed_body_is_refused(shop):
    from linkmall.payments.gateways.sandbox import sign

    body = b'{"notify_id": "x"}'
    result = payment_handle_notification(gateway="sandbox", body=body, headers={"X-Sandbox-Signature": sign(body)})
    assert result.outcome == "malformed"
    assert outcomes() == ["malformed"]


def test_a_stale_notification_is_refused(shop):
    order, payment, trade = paid_trade(shop)
    body, headers = sandbox_notification_build(trade, timestamp=int(clock.now().timestamp()) - 301)

    assert payment_handle_notification(gateway="sandbox", body=body, headers=headers).outcome == "stale"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_a_notification_just_within_the_age_limit_is_accepted(shop):
    clock.freeze(clock.now().replace(microsecond=0))
    order, payment, trade = paid_trade(shop)
    body, headers = sandbox_notification_build(trade, timestamp=int(clock.now().timestamp()) - 300)

    assert payment_handle_notification(gateway="sandbox", body=body, headers=headers).outcome == "accepted"


def test_the_same_notify_id_with_other_content_is_a_replay(shop):
    order, payment, trade = paid_trade(shop)
    body, headers = sandbox_notification_build(trade, transaction_id="SBX-FORGED-1")
    first = payment_handle_notification(gateway="sandbox", body=body, headers=headers)
    body, headers = sandbox_notification_build(trade)
    second = payment_handle_notification(gateway="sandbox", body=body, headers=headers)

    assert (first.outcome, second.outcome) == ("accepted", "replayed")
    assert not second.acknowledged
    payment.refresh_from_db()
    assert payment.transaction_id == "SBX-FORGED-1"


def test_a_reused_nonce_with_other_content_is_a_replay(shop):
    order, payment, trade = paid_trade(shop)
    other_order, other_payment, other_trade = paid_trade(shop, token="t-2")
    body, headers = sandbox_notification_build(trade, nonce="n-1")
    assert payment_handle_notification(gateway="sandbox", body=body, headers=headers).outcome == "accepted"

    body, headers = sandbox_notification_build(other_trade, nonce="n-1")
    assert payment_handle_notification(gateway="sandbox", body=body, headers=headers).outcome == "replayed"
    other_order.refresh_from_db()
    assert other_order.status == Order.Status.PENDING_PAYMENT


def test_an_amount_that_differs_from_the_payment_is_refused(shop):
    order, payment, trade = paid_trade(shop)
    body, headers = sandbox_notification_build(trade, amount_fen=trade.amount_fen - 1)

    result = payment_handle_notification(gateway="sandbox", body=body, headers=headers)

    assert result.outcome == "amount_mismatch"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert PaymentNotification.objects.get().payment_id == payment.pk


def test_a_notification_for_an_unknown_payment_is_refused(shop):
    order, payment, trade = paid_trade(shop)
    body, headers = sandbox_notification_build(trade, out_trade_no="P-NOBODY")
    assert payment_handle_notification(gateway="sandbox", body=body, headers=headers).outcome == "unknown_payment"


def test_an_unacknowledged_notification_is_delivered_again_later(shop, settings):
    order, payment, trade = paid_trade(shop)
    Payment.objects.filter(pk=payment.pk).update(amount_fen=1)  # makes our side refuse: amount_mismatch

    run_due()
    trade.refresh_from_db()
    assert (trade.notify_attempts, trade.acknowledged_at) == (1, None)
    Payment.objects.filter(pk=payment.pk).update(amount_fen=trade.amount_fen)
    assert run_due() == 0  # the next try waits its back-off
    clock.advance(timedelta(seconds=16))
    run_due()

    trade.refresh_from_db()
    assert trade.notify_attempts == 2 and trade.acknowledged_at is not None
    assert outcomes() == ["amount_mismatch", "accepted"]


def test_a_payment_arriving_after_expiry_is_refunded_through_the_gateway(shop):
    order = place(shop, [(shop.listings[0].pk, 3)])
    started = payment_start(actor=shop.buyer, order=order)
    clock.advance(timedelta(minutes=16))
    run_due()  # the order expires and gives its stock back
    trade = sandbox_trade_pay(out_trade_no=started.payment.out_trade_no)

    run_due()  # the notification arrives; then the automatic refund is sent

    order.refresh_from_db()
    payment = Payment.objects.get()
    refund = Refund.objects.get()
    assert order.status == Order.Status.CANCELLED
    assert (payment.status, payment.transaction_id) == (Payment.Status.REFUNDED, trade.transaction_id)
    assert (refund.status, refund.amount_fen, refund.lines) == (Refund.Status.SUCCEEDED, 3 * 9900, [])
    assert SandboxRefund.objects.get().amount_fen == 3 * 9900
    assert stock_of(shop.skus[0]) == 100
    assert order.refunded_fen == 0


def test_a_second_payment_of_a_paid_order_is_refunded(shop):
    order = place(shop)
    first = payment_start(actor=shop.buyer, order=order).payment
    second = Payment.objects.create(order=order, gateway="sandbox", out_trade_no="P-second", amount_fen=order.total_fen)
    from linkmall.payments.gateways import get_gateway

    get_gateway("sandbox").create_payment("P-second", order.total_fen, "x", "/n")
    sandbox_trade_pay(out_trade_no=first.out_trade_no)
    sandbox_trade_pay(out_trade_no="P-second")
    run_due()

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED)
    assert Refund.objects.get().payment_id == second.pk
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED


def test_the_http_endpoint_answers_the_gateways_ack(shop, client):
    order, payment, trade = paid_trade(shop)
    body, headers = sandbox_notification_build(trade)

    response = client.post(
        "/api/v1/payments/notify/sandbox",
        data=body,
        content_type="application/json",
        headers={"X-Sandbox-Signature": headers["X-Sandbox-Signature"]},
    )
    assert (response.status_code, response.json()) == (200, {"code": "SUCCESS", "message": "OK"})
    response = client.post("/api/v1/payments/notify/sandbox", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "FAIL"
    response = client.post("/api/v1/payments/notify/alipay", data=body, content_type="application/json")
    assert response.status_code == 404
    assert outcomes() == ["accepted", "bad_signature"]
    assert SandboxTrade.objects.get().status == "paid"
    assert json.loads(body)["notify_id"] == trade.notify_id
