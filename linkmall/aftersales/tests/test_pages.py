"""The consumer's H5 pages and the supplier and merchant consoles."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from linkmall.aftersales.models import AfterSaleEvent, AfterSaleRequest
from linkmall.aftersales.services import aftersale_approve, aftersale_request, aftersale_return_ship
from linkmall.aftersales.tests.builders import make_mall, png, ship
from linkmall.core import clock
from linkmall.payments.models import Refund

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
Status = AfterSaleRequest.Status


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(T0)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ask(mall, *, kind="refund_only", quantity=1, reason="质量问题"):
    return aftersale_request(actor=mall.buyer, line=mall.line, kind=kind, quantity=quantity, reason=reason)


def snapshot(request):
    request.refresh_from_db()
    return (request.status, request.respond_by, request.refund_id, AfterSaleEvent.objects.count(),
            Refund.objects.count())


# ---- consumer ---------------------------------------------------------------------------------


def test_the_request_form_shows_the_line_and_what_is_left_to_ask_for(mall):
    ask(mall, quantity=1)

    response = logged_in(mall.buyer).get(reverse("aftersales:new", args=[mall.line.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert mall.line.product_name in page
    assert "可申请 2 件" in page
    assert 'name="photos"' in page and "multiple" in page
    assert 'enctype="multipart/form-data"' in page


def test_submitting_the_form_creates_the_request_and_shows_it(mall):
    response = logged_in(mall.buyer).post(
        reverse("aftersales:new", args=[mall.line.pk]),
        {"kind": "refund_only", "quantity": 2, "reason": "屏幕有划痕", "photos": [png("1.png"), png("2.png")]},
    )

    request = AfterSaleRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("aftersales:detail", args=[request.pk])
    assert (request.quantity, request.reason, request.photos.count()) == (2, "屏幕有划痕", 2)


def test_a_refused_request_shows_why_and_creates_nothing(mall):
    response = logged_in(mall.buyer).post(
        reverse("aftersales:new", args=[mall.line.pk]), {"kind": "refund_only", "quantity": 5, "reason": "坏了"}
    )

    assert response.status_code == 400
    assert "申请数量超过可申请的数量" in response.content.decode()
    assert AfterSaleRequest.objects.count() == 0


def test_a_form_with_missing_fields_is_shown_again_with_errors(mall):
    response = logged_in(mall.buyer).post(reverse("aftersales:new", args=[mall.line.pk]), {"kind": "refund_only"})

    assert response.status_code == 400
    assert AfterSaleRequest.objects.count() == 0


def test_another_consumers_line_is_not_found(mall):
    client = logged_in(mall.other_consumer)

    assert client.get(reverse("aftersales:new", args=[mall.line.pk])).status_code == 404
    response = client.post(
        reverse("aftersales:new", args=[mall.line.pk]), {"kind": "refund_only", "quantity": 1, "reason": "x"}
    )
    assert response.status_code == 404
    assert AfterSaleRequest.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in(mall):
    response = Client().get(reverse("aftersales:mine"))

    assert response.status_code == 302
    assert "next=/aftersales/" in response.url


def test_staff_do_not_use_the_consumer_pages(mall):
    assert logged_in(mall.supplier_staff).get(reverse("aftersales:mine")).status_code == 403


def test_my_list_shows_my_requests_in_a_fixed_number_of_queries(mall, django_assert_num_queries):
    for _ in range(3):
        ask(mall)
    other = make_mall()
    aftersale_request(actor=other.buyer, line=other.line, kind="refund_only", quantity=1, reason="别人的")
    client = logged_in(mall.buyer)

    with django_assert_num_queries(4):  # session, user, count, page
        response = client.get(reverse("aftersales:mine"))

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 3
    assert "别人的" not in response.content.decode()


def test_the_detail_shows_the_timeline_and_the_return_form_with_the_return_address(mall):
    ship(mall)
    request = ask(mall, kind="return_refund")
    aftersale_approve(actor=mall.supplier_staff, request=request, note="请寄回")

    response = logged_in(mall.buyer).get(reverse("aftersales:detail", args=[request.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "申请售后" in page and "同意申请" in page and "请寄回" in page
    assert mall.supplier.return_address in page
    assert reverse("aftersales:return_ship", args=[request.pk]) in page


def test_another_consumer_gets_404_for_the_detail_and_its_actions(mall):
    request = ask(mall)
    before = snapshot(request)
    client = logged_in(mall.other_consumer)

    assert client.get(reverse("aftersales:detail", args=[request.pk])).status_code == 404
    assert client.post(reverse("aftersales:withdraw", args=[request.pk])).status_code == 404
    assert snapshot(request) == before


def test_the_consumer_withdraws_from_the_detail_page(mall):
    request = ask(mall)

    response = logged_in(mall.buyer).post(reverse("aftersales:withdraw", args=[request.pk]))

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN


def test_the_consumer_enters_the_return_tracking_number(mall):
    ship(mall)
    request = ask(mall, kind="return_refund")
    aftersale_approve(actor=mall.supplier_staff, request=request)

    response = logged_in(mall.buyer).post(
        reverse("aftersales:return_ship", args=[request.pk]), {"carrier": "顺丰速运", "tracking_number": "SF12345678"}
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.return_tracking_number) == (Status.RETURN_SHIPPED, "SF12345678")


def test_a_bad_tracking_number_is_refused_with_a_message(mall):
    ship(mall)
    request = ask(mall, kind="return_refund")
    aftersale_approve(actor=mall.supplier_staff, request=request)
    before = snapshot(request)
    client = logged_in(mall.buyer)

    response = client.post(
        reverse("aftersales:return_ship", args=[request.pk]), {"carrier": "顺丰速运", "tracking_number": "号码"},
        follow=True,
    )

    assert "快递单号为 4–64 位字母、数字或短横线" in response.content.decode()
    assert snapshot(request) == before


# ---- consoles ---------------------------------------------------------------------------------


def test_the_supplier_console_lists_its_requests_in_a_fixed_number_of_queries(mall, django_assert_num_queries):
    ask(mall, reason="我的")
    ask(mall, reason="我的")
    other = make_mall()
    aftersale_request(actor=other.buyer, line=other.line, kind="refund_only", quantity=1, reason="别人的")
    client = logged_in(mall.supplier_staff)

    with django_assert_num_queries(4):  # session, user, count, page
        response = client.get(reverse("aftersales:supplier_list"))

    assert response.status_code == 200
    assert [r.line_id for r in response.context["page"].object_list] == [mall.line.pk, mall.line.pk]
    assert other.order.number not in response.content.decode()


def test_the_merchant_console_lists_its_orders_requests(mall):
    request = ask(mall)
    other = make_mall()
    aftersale_request(actor=other.buyer, line=other.line, kind="refund_only", quantity=1, reason="别人的")

    response = logged_in(mall.merchant_owner).get(reverse("aftersales:merchant_list"))

    assert [r.pk for r in response.context["page"].object_list] == [request.pk]


def test_consoles_are_for_their_own_roles(mall):
    assert logged_in(mall.merchant_owner).get(reverse("aftersales:supplier_list")).status_code == 403
    assert logged_in(mall.supplier_staff).get(reverse("aftersales:merchant_list")).status_code == 403
    assert logged_in(mall.buyer).get(reverse("aftersales:supplier_list")).status_code == 403
    response = Client().get(reverse("aftersales:supplier_list"))
    assert response.status_code == 302


def test_the_supplier_approves_from_the_console(mall):
    request = ask(mall)
    client = logged_in(mall.supplier_staff)

    page = client.get(reverse("aftersales:supplier_detail", args=[request.pk]))
    assert page.status_code == 200
    assert reverse("aftersales:supplier_decide", args=[request.pk, "approve"]) in page.content.decode()

    response = client.post(reverse("aftersales:supplier_decide", args=[request.pk, "approve"]), {"note": "同意"})

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.REFUNDED
    assert Refund.objects.count() == 1


def test_the_merchant_rejects_from_the_console_and_must_say_why(mall):
    request = ask(mall)
    before = snapshot(request)
    client = logged_in(mall.merchant_owner)
    url = reverse("aftersales:merchant_decide", args=[request.pk, "reject"])

    client.post(url, {"note": ""})
    assert snapshot(request) == before

    client.post(url, {"note": "已超出无理由退货范围"})
    request.refresh_from_db()
    assert request.status == Status.REJECTED


def test_the_supplier_confirms_a_returned_parcel_from_the_console(mall):
    ship(mall)
    request = ask(mall, kind="return_refund")
    aftersale_approve(actor=mall.supplier_staff, request=request)
    aftersale_return_ship(actor=mall.buyer, request=request, carrier="顺丰速运", tracking_number="SF12345678")
    client = logged_in(mall.supplier_staff)

    assert "确认收货并退款" in client.get(reverse("aftersales:supplier_detail", args=[request.pk])).content.decode()
    client.post(reverse("aftersales:supplier_decide", args=[request.pk, "receive"]))

    request.refresh_from_db()
    assert request.status == Status.REFUNDED


def test_the_merchant_console_has_no_receive_action(mall):
    ship(mall)
    request = ask(mall, kind="return_refund")
    aftersale_approve(actor=mall.supplier_staff, request=request)
    aftersale_return_ship(actor=mall.buyer, request=request, carrier="顺丰速运", tracking_number="SF12345678")
    before = snapshot(request)

    response = logged_in(mall.merchant_owner).post(reverse("aftersales:merchant_decide", args=[request.pk, "receive"]))

    assert response.status_code == 404
    assert snapshot(request) == before


@pytest.mark.parametrize(
    ("who", "side"), [("other_supplier_staff", "supplier"), ("other_merchant_owner", "merchant")]
)
def test_another_tenants_request_is_not_found_in_the_console_and_stays_unchanged(mall, who, side):
    request = ask(mall)
    before = snapshot(request)
    client = logged_in(getattr(mall, who))

    assert client.get(reverse(f"aftersales:{side}_detail", args=[request.pk])).status_code == 404
    assert client.post(reverse(f"aftersales:{side}_decide", args=[request.pk, "approve"])).status_code == 404
    reject_url = reverse(f"aftersales:{side}_decide", args=[request.pk, "reject"])
    assert client.post(reject_url, {"note": "x"}).status_code == 404
    assert snapshot(request) == before
