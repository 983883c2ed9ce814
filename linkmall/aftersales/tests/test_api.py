"""/api/v1/aftersales: consumers ask and follow up; suppliers and merchants answer; strangers get 404."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from linkmall.accounts.services import api_token_issue
from linkmall.aftersales.models import AfterSaleEvent, AfterSaleRequest
from linkmall.aftersales.services import aftersale_approve, aftersale_request
from linkmall.aftersales.tests.builders import make_mall, png, ship
from linkmall.core import clock
from linkmall.payments.models import Refund

pytestmark = pytest.mark.django_db

BASE = "/api/v1/aftersales"
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
Status = AfterSaleRequest.Status


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(T0)


def client_for(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)}"})


def ask(mall, *, kind="refund_only", quantity=1):
    return aftersale_request(actor=mall.buyer, line=mall.line, kind=kind, quantity=quantity, reason="质量问题")


def snapshot(request):
    request.refresh_from_db()
    return (request.status, request.respond_by, request.refund_id, AfterSaleEvent.objects.count(),
            Refund.objects.count())


def test_a_consumer_asks_with_photos_in_a_multipart_form(mall):
    response = client_for(mall.buyer).post(
        f"{BASE}/requests",
        {"line_id": mall.line.pk, "kind": "refund_only", "quantity": 2, "reason": "收到时已破损",
         "photos": [png("a.png"), png("b.png")]},
    )

    assert response.status_code == 201
    body = response.json()
    request = AfterSaleRequest.objects.get()
    assert body["id"] == request.pk
    assert {k: body[k] for k in ("order_id", "order_number", "line_id", "kind", "kind_label", "quantity",
                                 "amount_fen", "amount_yuan", "reason", "status", "status_label",
                                 "refund_id", "refund_status", "refund_amount_fen")} == {
        "order_id": mall.order.pk,
        "order_number": mall.order.number,
        "line_id": mall.line.pk,
        "kind": "refund_only",
        "kind_label": "仅退款",
        "quantity": 2,
        "amount_fen": 2 * mall.line.unit_price_fen,
        "amount_yuan": "198.00",
        "reason": "收到时已破损",
        "status": "requested",
        "status_label": "待处理",
        "refund_id": None,
        "refund_status": None,
        "refund_amount_fen": None,
    }
    assert body["respond_by"].startswith("2026-03-04T10:00:00")
    assert len(body["photos"]) == 2
    assert all(url.startswith("/media/aftersales/") for url in body["photos"])
    assert [(e["actor_role"], e["action"], e["action_label"]) for e in body["events"]] == [
        ("consumer", "requested", "申请售后")
    ]


def test_asking_without_photos_works(mall):
    response = client_for(mall.buyer).post(
        f"{BASE}/requests", {"line_id": mall.line.pk, "kind": "refund_only", "quantity": 1, "reason": "不想要了"}
    )

    assert response.status_code == 201
    assert response.json()["photos"] == []


def test_another_consumers_line_answers_404_and_creates_nothing(mall):
    response = client_for(mall.other_consumer).post(
        f"{BASE}/requests", {"line_id": mall.line.pk, "kind": "refund_only", "quantity": 1, "reason": "x"}
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert AfterSaleRequest.objects.count() == 0


def test_an_unknown_line_answers_404(mall):
    response = client_for(mall.buyer).post(
        f"{BASE}/requests", {"line_id": 987654, "kind": "refund_only", "quantity": 1, "reason": "x"}
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        ({"kind": "exchange"}, 400, "invalid_input"),
        ({"quantity": "two"}, 422, "invalid_input"),
        ({"quantity": 9}, 409, "quantity_exceeds"),
        ({"reason": ""}, 400, "invalid_input"),
        ({"photos": [png(f"{i}.png") for i in range(7)]}, 400, "too_many_photos"),
    ],
    ids=["kind", "quantity-not-a-number", "quantity-too-many", "reason-empty", "seven-photos"],
)
def test_bad_requests_answer_4xx_with_a_code_and_create_nothing(mall, form, status, code):
    data = {"line_id": mall.line.pk, "kind": "refund_only", "quantity": 1, "reason": "坏了", **form}

    response = client_for(mall.buyer).post(f"{BASE}/requests", data)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert AfterSaleRequest.objects.count() == 0


def test_a_non_image_photo_answers_400(mall):
    fake = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    response = client_for(mall.buyer).post(
        f"{BASE}/requests", {"line_id": mall.line.pk, "kind": "refund_only", "quantity": 1, "reason": "坏了",
                             "photos": [fake]},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "photo_not_an_image"
    assert AfterSaleRequest.objects.count() == 0


def test_anonymous_callers_must_log_in(mall):
    request = ask(mall)

    assert Client().get(f"{BASE}/requests/mine").status_code == 401
    assert Client().get(f"{BASE}/requests/{request.pk}").status_code == 401
    assert Client().post(f"{BASE}/requests/{request.pk}/withdraw").status_code == 401


def test_my_list_holds_only_my_requests_in_a_fixed_number_of_queries(mall, django_assert_num_queries):
    for _ in range(3):
        ask(mall)
    other = make_mall()
    aftersale_request(actor=other.buyer, line=other.line, kind="refund_only", quantity=1, reason="x")
    client = client_for(mall.buyer)

    with django_assert_num_queries(2):  # the token, the page
        response = client.get(f"{BASE}/requests/mine")

    body = response.json()
    assert response.status_code == 200
    assert len(body["items"]) == 3
    assert {item["order_id"] for item in body["items"]} == {mall.order.pk}
    assert (body["limit"], body["offset"], body["has_more"]) == (20, 0, False)


def test_lists_page_with_limit_and_offset(mall):
    ids = [ask(mall).pk for _ in range(3)]
    client = client_for(mall.buyer)

    first = client.get(f"{BASE}/requests/mine?limit=2").json()
    second = client.get(f"{BASE}/requests/mine?limit=2&offset=2").json()

    assert [item["id"] for item in first["items"]] == [ids[2], ids[1]]
    assert first["has_more"] is True
    assert [item["id"] for item in second["items"]] == [ids[0]]
    assert second["has_more"] is False


def test_lists_filter_by_status(mall):
    open_request = ask(mall)
    refunded = ask(mall)
    aftersale_approve(actor=mall.supplier_staff, request=refunded)
    client = client_for(mall.buyer)

    assert [i["id"] for i in client.get(f"{BASE}/requests/mine?status=open").json()["items"]] == [open_request.pk]
    assert [i["id"] for i in client.get(f"{BASE}/requests/mine?status=refunded").json()["items"]] == [refunded.pk]
    bad = client.get(f"{BASE}/requests/mine?status=lost")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_input"


def test_the_supplier_lists_requests_on_its_lines_only(mall, django_assert_num_queries):
    ask(mall)
    ask(mall)
    other = make_mall()
    aftersale_request(actor=other.buyer, line=other.line, kind="refund_only", quantity=1, reason="x")
    client = client_for(mall.supplier_staff)

    with django_assert_num_queries(2):
        response = client.get(f"{BASE}/requests/supplier")

    assert response.status_code == 200
    assert {item["line_id"] for item in response.json()["items"]} == {mall.line.pk}
    assert len(response.json()["items"]) == 2


def test_the_merchant_lists_requests_on_its_orders_only(mall, django_assert_num_queries):
    ask(mall)
    other = make_mall()
    aftersale_request(actor=other.buyer, line=other.line, kind="refund_only", quantity=1, reason="x")
    client = client_for(mall.merchant_owner)

    with django_assert_num_queries(2):
        response = client.get(f"{BASE}/requests/merchant")

    assert [item["order_id"] for item in response.json()["items"]] == [mall.order.pk]


@pytest.mark.parametrize(
    ("who", "path"), [("buyer", "supplier"), ("buyer", "merchant"), ("supplier_staff", "merchant"),
                      ("merchant_owner", "supplier"), ("supplier_staff", "mine")]
)
def test_lists_of_other_roles_are_forbidden(mall, who, path):
    response = client_for(getattr(mall, who)).get(f"{BASE}/requests/{path}")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("who", ["buyer", "supplier_staff", "merchant_owner", "platform"])
def test_every_party_sees_the_detail_with_its_timeline(mall, who):
    request = ask(mall)

    response = client_for(getattr(mall, who)).get(f"{BASE}/requests/{request.pk}")

    assert response.status_code == 200
    assert response.json()["id"] == request.pk
    assert [e["action"] for e in response.json()["events"]] == ["requested"]


@pytest.mark.parametrize("who", ["other_consumer", "other_supplier_staff", "other_merchant_owner"])
def test_strangers_get_404_for_the_detail_and_every_action_and_nothing_changes(mall, who):
    ship(mall)
    request = ask(mall, kind="return_refund")
    before = snapshot(request)
    client = client_for(getattr(mall, who))

    answers = [
        client.get(f"{BASE}/requests/{request.pk}"),
        client.post(f"{BASE}/requests/{request.pk}/withdraw"),
        client.post(f"{BASE}/requests/{request.pk}/approve", {"note": ""}, content_type="application/json"),
        client.post(f"{BASE}/requests/{request.pk}/reject", {"note": "no"}, content_type="application/json"),
        client.post(f"{BASE}/requests/{request.pk}/return-received"),
        client.post(f"{BASE}/requests/{request.pk}/return-shipment",
                    {"carrier": "中通快递", "tracking_number": "ZT12345678"}, content_type="application/json"),
    ]

    assert [a.status_code for a in answers] == [404] * 6
    assert {a.json()["code"] for a in answers} == {"not_found"}
    assert snapshot(request) == before


def test_the_consumer_withdraws(mall):
    request = ask(mall)

    response = client_for(mall.buyer).post(f"{BASE}/requests/{request.pk}/withdraw")

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_the_consumer_may_not_approve_their_own_request(mall):
    request = ask(mall)
    before = snapshot(request)

    response = client_for(mall.buyer).post(
        f"{BASE}/requests/{request.pk}/approve", {"note": ""}, content_type="application/json"
    )

    assert response.status_code == 403
    assert snapshot(request) == before


def test_a_return_runs_end_to_end_through_the_api(mall):
    ship(mall)
    request = ask(mall, kind="return_refund", quantity=2)
    merchant, buyer, supplier = (client_for(mall.merchant_owner), client_for(mall.buyer),
                                 client_for(mall.supplier_staff))

    approved = merchant.post(f"{BASE}/requests/{request.pk}/approve", {"note": "请寄回"},
                             content_type="application/json")
    assert approved.status_code == 200
    assert approved.json()["status"] == "awaiting_return"

    shipped = buyer.post(f"{BASE}/requests/{request.pk}/return-shipment",
                         {"carrier": "顺丰速运", "tracking_number": "SF998877665"}, content_type="application/json")
    assert shipped.status_code == 200
    assert (shipped.json()["status"], shipped.json()["return_tracking_number"]) == ("return_shipped", "SF998877665")

    clock.advance(timedelta(hours=1))
    received = supplier.post(f"{BASE}/requests/{request.pk}/return-received")
    assert received.status_code == 200
    body = received.json()
    assert (body["status"], body["refund_status"], body["refund_amount_fen"]) == (
        "refunded", "succeeded", 2 * mall.line.unit_price_fen
    )
    assert [(e["actor_role"], e["action"]) for e in body["events"]] == [
        ("consumer", "requested"), ("merchant", "approved"), ("consumer", "return_shipped"),
        ("supplier", "return_received"), ("supplier", "refunded"),
    ]


def test_rejecting_needs_a_note(mall):
    request = ask(mall)
    before = snapshot(request)
    client = client_for(mall.supplier_staff)

    missing = client.post(f"{BASE}/requests/{request.pk}/reject", {"note": ""}, content_type="application/json")
    assert missing.status_code == 422
    assert snapshot(request) == before

    done = client.post(f"{BASE}/requests/{request.pk}/reject", {"note": "无质量问题"},
                       content_type="application/json")
    assert done.status_code == 200
    assert done.json()["status"] == "rejected"


def test_a_refused_transition_answers_409_and_changes_nothing(mall):
    request = ask(mall)
    aftersale_approve(actor=mall.supplier_staff, request=request)
    before = snapshot(request)

    response = client_for(mall.merchant_owner).post(
        f"{BASE}/requests/{request.pk}/reject", {"note": "晚了"}, content_type="application/json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "aftersale_state"
    assert snapshot(request) == before
