"""Notification edges: the very same bytes delivered twice, and a timestamp from the future."""

from datetime import timedelta

import pytest

from linkmall.core import clock
from linkmall.ledger.models import Posting
from linkmall.orders.models import Order
from linkmall.orders.tests.factories import place
from linkmall.payments.gateways.sandbox import sandbox_notification_build, sandbox_trade_pay
from linkmall.payments.models import Payment, PaymentNotification
from linkmall.payments.services import payment_handle_notification, payment_start

pytestmark = pytest.mark.django_db

NOTIFY_URL = "/api/v1/payments/notify/sandbox"


@pytest.fixture(autouse=True)
def _frozen():
    # whole seconds, so "300 s ahead" is exactly the limit and not 300.4 s
    clock.freeze(clock.now().replace(microsecond=0))
    yield
    clock.reset()


def paid_trade(shop):
    order = place(shop)
    started = payment_start(actor=shop.buyer, order=order)
    trade = sandbox_trade_pay(out_trade_no=started.payment.out_trade_no)
    return order, started.payment, trade


def outcomes() -> list[str]:
    return list(PaymentNotification.objects.order_by("pk").values_list("outcome", flat=True))


def deliver(client, body: bytes, headers: dict):
    return client.post(NOTIFY_URL, body, content_type="application/json",
                       HTTP_X_SANDBOX_SIGNATURE=headers["X-Sandbox-Signature"])


def test_a_byte_identical_notification_delivered_twice_records_one_payment_and_answers_duplicate(client, shop):
    order, payment, trade = paid_trade(shop)
    body, headers = sandbox_notification_build(trade)

    first = deliver(client, body, headers)
    postings_after_first = Posting.objects.count()
    second = deliver(client, body, headers)

    assert (first.status_code, first.json()) == (200, {"code": "SUCCESS", "message": "OK"})
    assert (second.status_code, second.json()) == (200, {"code": "SUCCESS", "message": "OK"})
    assert outcomes() == ["accepted", "duplicate"]
    assert PaymentNotification.objects.filter(outcome="duplicate").get().payment_id == payment.pk
    assert list(Payment.objects.values_list("pk", "status", "transaction_id")) == [
        (payment.pk, Payment.Status.SUCCEEDED, trade.transaction_id)]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    # nothing moved twice: the money split was posted by the first delivery only
    assert Posting.objects.count() == postings_after_first


def test_the_service_calls_a_byte_identical_redelivery_a_duplicate_not_a_replay(shop):
    order, payment, trade = paid_trade(shop)
    body, headers = sandbox_notification_build(trade)

    first = payment_handle_notification(gateway="sandbox", body=body, headers=headers)
    second = payment_handle_notification(gateway="sandbox", body=body, headers=headers)

    assert (first.outcome, first.payment_id) == ("accepted", payment.pk)
    assert (second.outcome, second.payment_id, second.acknowledged) == ("duplicate", payment.pk, True)


def test_a_notification_dated_beyond_the_allowed_skew_in_the_future_is_refused_as_stale(client, shop):
    order, payment, trade = paid_trade(shop)
    future = int((clock.now() + timedelta(seconds=301)).timestamp())
    body, headers = sandbox_notification_build(trade, timestamp=future)

    response = deliver(client, body, headers)

    assert (response.status_code, response.json()) == (400, {"code": "FAIL", "message": "stale"})
    assert outcomes() == ["stale"]
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert (payment.status, payment.transaction_id) == (Payment.Status.CREATED, None)


def test_a_notification_dated_just_within_the_skew_in_the_future_is_accepted(shop):
    order, payment, trade = paid_trade(shop)
    body, headers = sandbox_notification_build(trade, timestamp=int(clock.now().timestamp()) + 300)

    result = payment_handle_notification(gateway="sandbox", body=body, headers=headers)

    assert result.outcome == "accepted"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_a_future_dated_copy_of_an_accepted_notification_is_still_refused_as_stale(shop):
    order, payment, trade = paid_trade(shop)
    body, headers = sandbox_notification_build(trade)
    payment_handle_notification(gateway="sandbox", body=body, headers=headers)
    body, headers = sandbox_notification_build(trade, timestamp=int(clock.now().timestamp()) + 3600)

    result = payment_handle_notification(gateway="sandbox", body=body, headers=headers)

    assert (result.outcome, result.acknowledged) == ("stale", False)
    assert outcomes() == ["accepted", "stale"]


@pytest.mark.parametrize("body, kept", [
    # NUL and a lone surrogate, which PostgreSQL's jsonb refuses: kept as the text that was sent
    (b'{"notify_id": "\\u0000", "nonce": "\\udbff"}', '{"notify_id": "\\u0000", "nonce": "\\udbff"}'),
    # a raw NUL byte (not JSON at all): kept as text, the NUL shown as U+FFFD
    (b'{"notify_id": "a\x00b"}', '{"notify_id": "a\ufffdb"}'),
    # too deep for the json module, yet under the size limit: the first 2,000 characters
    (b"[" * 20_000 + b"]" * 20_000, "[" * 2000),
])
def test_an_unsigned_notification_of_any_content_is_refused_and_recorded_without_an_error(client, shop, body, kept):
    order, payment, trade = paid_trade(shop)

    response = client.post(NOTIFY_URL, body, content_type="application/json", HTTP_X_SANDBOX_SIGNATURE="0" * 64)

    assert (response.status_code, response.json()) == (400, {"code": "FAIL", "message": "bad_signature"})
    recorded = PaymentNotification.objects.get()
    assert (recorded.outcome, recorded.payload) == ("bad_signature", {"raw": kept})
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
