"""My orders: the list by status, one order's parcels, paying, cancelling and confirming receipt."""

import pytest
from django.urls import reverse

from linkmall.catalog.models import Sku
from linkmall.core import clock
from linkmall.orders.models import Fulfilment, Order
from linkmall.orders.services import fulfilment_ship, order_apply_refund, order_mark_paid, order_place
from linkmall.payments.models import Payment
from linkmall.testing import make_address, make_consumer, make_supplier_staff
from linkmall.web.tests.html import text_of, texts_by_class

pytestmark = pytest.mark.django_db


def place_order(buyer, mall, address, token="t1") -> Order:
    return order_place(buyer=buyer, merchant=mall.merchant, address=address, client_token=token,
                       lines=[(mall.lipstick_red.pk, 1), (mall.tea_listing.pk, 1)])


@pytest.fixture
def order(consumer, mall, address) -> Order:
    return place_order(consumer, mall, address)


def pay(order: Order) -> Order:
    return order_mark_paid(order_id=order.pk, paid_at=clock.now())


def ship_lipstick_parcel(mall, order) -> Fulfilment:
    parcel = order.fulfilments.get(supplier=mall.supplier_a)
    return fulfilment_ship(actor=make_supplier_staff(mall.supplier_a), fulfilment=parcel, carrier="SF",
                           tracking_number="SF1234567890")


def test_my_orders_lists_my_orders_newest_first_in_a_fixed_number_of_queries(
    consumer_client, consumer, mall, address, django_assert_num_queries
):
    first = place_order(consumer, mall, address, token="a")
    second = place_order(consumer, mall, address, token="b")
    someone_else = make_consumer()
    place_order(someone_else, mall, make_address(someone_else), token="c")

    with django_assert_num_queries(4):  # session, user, orders, their lines
        response = consumer_client.get(reverse("web:orders"))

    assert response.status_code == 200
    assert [s.order for s in response.context["orders"]] == [second, first]
    assert texts_by_class(response.text, "badge-pending_payment") == ["待付款", "待付款"]


def test_the_tabs_filter_my_orders_by_status(consumer_client, consumer, mall, address):
    unpaid = place_order(consumer, mall, address, token="a")
    paid = pay(place_order(consumer, mall, address, token="b"))

    def numbers(tab):
        response = consumer_client.get(reverse("web:orders"), {"tab": tab})
        return [s.order.number for s in response.context["orders"]]

    assert numbers("to_pay") == [unpaid.number]
    assert numbers("to_ship") == [paid.number]
    assert numbers("shipped") == []
    assert numbers("no-such-tab") == [paid.number, unpaid.number]


def test_an_order_page_shows_one_parcel_per_supplier_in_a_fixed_number_of_queries(
    consumer_client, order, django_assert_num_queries
):
    url = reverse("web:order_detail", args=[order.number])

    with django_assert_num_queries(6):  # session, user, order, parcels, lines, after-sales
        response = consumer_client.get(url)

    assert response.status_code == 200
    assert [(p.fulfilment.supplier.name, [line.product_name for line in p.lines])
            for p in response.context["detail"].parcels] == [
        ("花西子工厂", ["丝绒口红"]), ("西湖龙井茶厂", ["明前龙井 250g"]),
    ]
    assert texts_by_class(response.text, "grand") == ["实付 267.00"]
    assert text_of(response.text, "pay") == "立即支付"


def test_another_consumers_order_is_not_found(client, order):
    client.force_login(make_consumer())

    assert client.get(reverse("web:order_detail", args=[order.number])).status_code == 404
    assert client.post(reverse("web:order_cancel", args=[order.number])).status_code == 404
    assert client.post(reverse("web:order_pay", args=[order.number])).status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_paying_opens_the_payment_and_sends_the_buyer_to_the_cashier(consumer_client, order):
    response = consumer_client.post(reverse("web:order_pay", args=[order.number]))

    payment = Payment.objects.get(order=order)
    assert response.status_code == 302
    assert payment.amount_fen == 26700 and payment.status == Payment.Status.CREATED
    assert response.url == reverse("payments:sandbox_pay", args=[payment.out_trade_no])


def test_a_cancelled_order_cannot_be_paid_and_says_why(consumer_client, order):
    consumer_client.post(reverse("web:order_cancel", args=[order.number]), follow=True)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED

    response = consumer_client.post(reverse("web:order_pay", args=[order.number]), follow=True)

    assert texts_by_class(response.text, "msg") == ["这个订单现在不能支付。"]
    assert Payment.objects.count() == 0


def test_cancelling_an_unpaid_order_releases_its_stock(consumer_client, mall, order):
    response = consumer_client.post(reverse("web:order_cancel", args=[order.number]), follow=True)

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert texts_by_class(response.text, "msg") == ["订单已取消。"]
    assert Sku.objects.get(pk=mall.lipstick_red.sku_id).stock == 5


def test_a_paid_order_cannot_be_cancelled_and_stays_paid(consumer_client, order):
    pay(order)

    response = consumer_client.post(reverse("web:order_cancel", args=[order.number]), follow=True)

    assert texts_by_class(response.text, "msg") == ["这个订单现在不能取消。"]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_a_shipped_parcel_shows_its_carrier_and_tracking_number(consumer_client, mall, order):
    pay(order)
    parcel = ship_lipstick_parcel(mall, order)

    response = consumer_client.get(reverse("web:order_detail", args=[order.number]))

    assert texts_by_class(response.text, "tracking") == [
        f"物流：顺丰速运 SF1234567890 · {parcel.shipped_at.astimezone():%m-%d %H:%M}"
    ]
    assert "已发货" in text_of(response.text, f"parcel-{parcel.pk}")


def test_confirming_receipt_receives_the_shipped_parcels(consumer_client, mall, order):
    pay(order)
    ship_lipstick_parcel(mall, order)
    order.fulfilments.filter(supplier=mall.supplier_b).update(status=Fulfilment.Status.SHIPPED)
    order.refresh_from_db()

    response = consumer_client.post(reverse("web:order_receive", args=[order.number]), follow=True)

    assert texts_by_class(response.text, "msg") == ["已确认收货，感谢你的购买。"]
    assert sorted(order.fulfilments.values_list("status", flat=True)) == ["received", "received"]


def test_confirming_receipt_before_shipping_is_refused_and_changes_nothing(consumer_client, order):
    pay(order)

    response = consumer_client.post(reverse("web:order_receive", args=[order.number]), follow=True)

    assert texts_by_class(response.text, "msg") == ["商家还没有发货，暂时不能确认收货。"]
    assert set(order.fulfilments.values_list("status", flat=True)) == {"to_ship"}


def test_a_partial_refund_shows_on_the_order_and_its_line(consumer_client, order):
    pay(order)
    lipstick_line = order.lines.get(product_name="丝绒口红")
    order_apply_refund(order_id=order.pk, lines=[(lipstick_line.pk, 1, 9900)])

    response = consumer_client.get(reverse("web:order_detail", args=[order.number]))

    assert text_of(response.text, "order-refunded") == "已退款 ¥99.00"
    assert "已退 1 件 ¥99.00" in text_of(response.text, f"line-{lipstick_line.pk}")


def test_each_line_of_a_paid_order_links_to_an_after_sales_request(consumer_client, order):
    unpaid_page = consumer_client.get(reverse("web:order_detail", args=[order.number]))
    assert "申请售后" not in unpaid_page.text

    pay(order)
    response = consumer_client.get(reverse("web:order_detail", args=[order.number]))

    for line in order.lines.all():
        assert reverse("aftersales:new", args=[line.pk]) in response.text
