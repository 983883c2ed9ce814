import pytest

from linkmall import testing
from linkmall.core.tasks import run_due
from linkmall.orders.models import Order
from linkmall.orders.tests.factories import make_shop, place
from linkmall.payments.models import Payment, Refund, SandboxTrade
from linkmall.payments.services import payment_start
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db


def test_starting_a_payment_through_the_api_returns_the_cashier_url(client, shop):
    order = place(shop)
    client.force_login(shop.buyer)
    first = client.post(f"/api/v1/payments/orders/{order.pk}/start")
    again = client.post(f"/api/v1/payments/orders/{order.pk}/start")

    data = first.json()
    assert first.status_code == 200
    assert data["pay_url"] == f"/sandbox/pay/{data['out_trade_no']}/"
    assert (data["amount_fen"], data["amount"], data["gateway"]) == (9900, "99.00", "sandbox")
    assert again.json()["payment_id"] == data["payment_id"]
    assert Payment.objects.count() == 1


def test_another_buyer_cannot_start_a_payment(client, shop):
    order = place(shop)
    client.force_login(testing.make_consumer())
    assert client.post(f"/api/v1/payments/orders/{order.pk}/start").status_code == 404
    assert Payment.objects.count() == 0


def test_a_paid_or_cancelled_order_cannot_be_paid_again(client, shop):
    order = place(shop)
    pay(order)
    client.force_login(shop.buyer)
    response = client.post(f"/api/v1/payments/orders/{order.pk}/start")
    assert (response.status_code, response.json()["code"]) == (409, "order_not_payable")


def test_the_sandbox_cashier_page_pays_and_the_notification_follows(client, shop):
    order = place(shop)
    started = payment_start(actor=shop.buyer, order=order, return_url=f"/orders/{order.pk}/")
    url = started.pay_url

    page = client.get(url)
    assert page.status_code == 200
    assert "99.00" in page.content.decode() and "确认支付" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 200
    assert "支付成功" in response.content.decode()
    assert f'href="/orders/{order.pk}/"' in response.content.decode()
    run_due()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    client.post(url)  # paying twice changes nothing
    assert run_due() == 0


def test_the_cashier_page_is_gone_with_a_real_gateway_and_for_unknown_trades(client, shop, settings):
    order = place(shop)
    started = payment_start(actor=shop.buyer, order=order)
    assert client.get("/sandbox/pay/P-unknown/").status_code == 404
    settings.LINKMALL = {**settings.LINKMALL, "PAYMENT_GATEWAY": "wechat"}
    assert client.post(started.pay_url).status_code == 404
    assert SandboxTrade.objects.get().status == "created"


def test_an_offsite_return_url_is_refused(shop):
    from linkmall.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        payment_start(actor=shop.buyer, order=place(shop), return_url="https://evil.example/")


def test_staff_refund_through_the_api_with_tenancy(client, shop):
    order = place(shop, [(shop.listings[0].pk, 2)])
    pay(order)
    line = order.lines.get()
    body = {"lines": [{"line_id": line.pk, "quantity": 1}], "reason": "破损", "idempotency_key": "api-r1"}

    client.force_login(testing.make_merchant_owner(make_shop().merchant))
    assert (
        client.post(f"/api/v1/payments/orders/{order.pk}/refunds", body, content_type="application/json").status_code
        == 404
    )
    client.force_login(shop.buyer)
    assert (
        client.post(f"/api/v1/payments/orders/{order.pk}/refunds", body, content_type="application/json").status_code
        == 404
    )
    assert Refund.objects.count() == 0

    client.force_login(testing.make_merchant_owner(shop.merchant))
    response = client.post(f"/api/v1/payments/orders/{order.pk}/refunds", body, content_type="application/json")
    assert response.status_code == 201
    data = response.json()
    assert (data["status"], data["amount_fen"], data["amount"]) == ("succeeded", 9900, "99.00")
    assert data["lines"] == [{"line": line.pk, "quantity": 1, "amount_fen": 9900}]
    bad = client.post(
        f"/api/v1/payments/orders/{order.pk}/refunds", {**body, "idempotency_key": ""}, content_type="application/json"
    )
    assert bad.status_code == 422
