"""到店自提 and 核销 (docs/o2o.md): a pick-up order ships to a store, the store receives it, a guide
of that store redeems its code; everything refused changes nothing but the audit log."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django_tasks_db.models import DBTaskResult

from linkmall import testing
from linkmall.accounts.models import User
from linkmall.aftersales.models import AfterSaleRequest
from linkmall.aftersales.services import aftersale_request
from linkmall.aftersales.services.redemption import pickup_expire, pickup_parcel_received, redeem_code
from linkmall.aftersales.tests.builders import pay
from linkmall.core import clock
from linkmall.core.errors import DomainError
from linkmall.core.tasks import run_due
from linkmall.orders.models import Fulfilment, Order, Redemption
from linkmall.orders.services import fulfilment_ship, order_confirm_receipt, order_place
from linkmall.orders.services.pickup import order_pickup_remind
from linkmall.stores.models import Merchant, Store


@dataclass
class O2O:
    store: Store
    other_store: Store
    guide: User
    other_guide: User
    foreign_guide: User
    owner: User
    supplier_staff: User
    buyer: User
    listing_id: int
    merchant: Merchant


pytestmark = pytest.mark.django_db


def code_of(exc: pytest.ExceptionInfo) -> str:
    return exc.value.code


@pytest.fixture
def o2o(db) -> O2O:
    supplier = testing.make_supplier()
    merchant = testing.make_merchant()
    sku = testing.make_product(supplier, price_fen=9900, cost_fen=5000, stock=50).skus.get()
    listing = testing.make_listing(merchant, sku, price_fen=9900)
    store, other_store = testing.make_store(merchant, name="南京西路店"), testing.make_store(merchant, name="徐汇店")
    foreign = testing.make_store(testing.make_merchant())
    return O2O(
        store=store, other_store=other_store, guide=testing.make_guide(store).user,
        other_guide=testing.make_guide(other_store).user, foreign_guide=testing.make_guide(foreign).user,
        owner=testing.make_merchant_owner(merchant), supplier_staff=testing.make_supplier_staff(supplier),
        buyer=testing.make_consumer(), listing_id=listing.pk, merchant=merchant,
    )


def place_pickup(o2o: O2O, token: str = "p-1", store: Store | None = None) -> Order:
    return order_place(buyer=o2o.buyer, merchant=o2o.merchant, lines=[(o2o.listing_id, 2)], address=None,
                       client_token=token, fulfilment_mode="pickup", pickup_store=store or o2o.store)


def ready(o2o: O2O, token: str = "p-1") -> Order:
    """Placed, paid, shipped to the store by the supplier, received by the store."""
    order = place_pickup(o2o, token)
    pay(order)
    fulfilment_ship(actor=o2o.supplier_staff, fulfilment=order.fulfilments.get(), carrier="SF",
                    tracking_number="SF1234567890")
    pickup_parcel_received(actor=o2o.guide, order_id=order.pk)
    order.refresh_from_db()
    return order


def test_a_pickup_order_ships_to_the_store_with_the_buyers_name_and_a_code(o2o):
    order = place_pickup(o2o)
    assert order.fulfilment_mode == "pickup" and order.pickup_store_id == o2o.store.pk
    assert len(order.pickup_code) == 8 and order.pickup_code.isdigit()
    assert order.address["detail"] == o2o.store.address and order.address["pickup_store"] == "南京西路店"
    assert order.address["phone"] == o2o.buyer.phone


def test_a_store_of_another_merchant_or_no_store_is_refused_and_nothing_is_placed(o2o):
    foreign = testing.make_store(testing.make_merchant())
    for store in (foreign, None):
        with pytest.raises(DomainError) as exc:
            order_place(buyer=o2o.buyer, merchant=o2o.merchant, lines=[(o2o.listing_id, 1)], address=None,
                        client_token="x", fulfilment_mode="pickup", pickup_store=store)
        assert code_of(exc) == "pickup_store_not_found"
    with pytest.raises(DomainError) as exc:
        order_place(buyer=o2o.buyer, merchant=o2o.merchant, lines=[(o2o.listing_id, 1)], address=None,
                    client_token="x", fulfilment_mode="drone")
    assert code_of(exc) == "invalid_input"
    assert not Order.objects.exists()


def test_two_open_orders_never_hold_the_same_code_but_a_closed_one_frees_it(o2o):
    first, second = place_pickup(o2o, "a"), place_pickup(o2o, "b")
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=second.pk).update(pickup_code=first.pickup_code)
    Order.objects.filter(pk=first.pk).update(status=Order.Status.CANCELLED)
    Order.objects.filter(pk=second.pk).update(pickup_code=first.pickup_code)
    assert Order.objects.filter(pickup_code=first.pickup_code).count() == 2


def test_the_supplier_ships_to_the_store_and_no_auto_receipt_is_scheduled(o2o):
    order = place_pickup(o2o)
    pay(order)
    fulfilment_ship(actor=o2o.supplier_staff, fulfilment=order.fulfilments.get(), carrier="SF",
                    tracking_number="SF1234567890")
    assert not DBTaskResult.objects.filter(task_path__endswith="fulfilment_auto_receive_task").exists()
    with pytest.raises(DomainError) as exc:
        order_confirm_receipt(actor=o2o.buyer, order=order)
    assert code_of(exc) == "not_receivable"


def test_only_the_stores_own_staff_mark_the_parcel_received(o2o):
    order = place_pickup(o2o)
    pay(order)
    with pytest.raises(DomainError) as exc:
        pickup_parcel_received(actor=o2o.guide, order_id=order.pk)
    assert code_of(exc) == "pickup_not_shipped"
    fulfilment_ship(actor=o2o.supplier_staff, fulfilment=order.fulfilments.get(), carrier="SF",
                    tracking_number="SF1234567890")
    for stranger in (o2o.other_guide, o2o.foreign_guide):
        with pytest.raises(DomainError) as exc:
            pickup_parcel_received(actor=stranger, order_id=order.pk)
        assert code_of(exc) == "redeem_wrong_store"
    with pytest.raises(DomainError) as exc:
        pickup_parcel_received(actor=o2o.buyer, order_id=order.pk)
    assert code_of(exc) == "permission_denied"
    assert Order.objects.get(pk=order.pk).store_received_at is None
    pickup_parcel_received(actor=o2o.guide, order_id=order.pk)
    first = Order.objects.get(pk=order.pk).store_received_at
    pickup_parcel_received(actor=o2o.owner, order_id=order.pk)
    assert Order.objects.get(pk=order.pk).store_received_at == first
    assert DBTaskResult.objects.filter(task_path__endswith="pickup_expire_task").count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="pickup_remind_task").count() == 1


def test_the_stores_guide_redeems_and_the_order_completes_by_the_receipt_path(o2o):
    order = ready(o2o)
    result = redeem_code(actor=o2o.guide, code=f" {order.pickup_code[:4]} {order.pickup_code[4:]} ")
    order.refresh_from_db()
    assert result.already is False and result.redemption.order_id == order.pk
    assert order.status == Order.Status.COMPLETED and order.picked_up_at is not None
    fulfilment = order.fulfilments.get()
    assert (fulfilment.status, fulfilment.received_by) == (Fulfilment.Status.RECEIVED, "pickup")
    row = Redemption.objects.get()
    assert (row.actor_id, row.store_id, row.kind, row.outcome) == (o2o.guide.pk, o2o.store.pk, "pickup", "redeemed")


def test_a_retry_shows_the_first_result_and_changes_nothing(o2o):
    order = ready(o2o)
    first = redeem_code(actor=o2o.guide, code=order.pickup_code).redemption
    completed_at = Order.objects.get(pk=order.pk).completed_at
    with pytest.raises(DomainError) as exc:
        redeem_code(actor=o2o.owner, code=order.pickup_code, store_id=o2o.store.pk)
    assert code_of(exc) == "redeem_already" and exc.value.detail["redemption_id"] == first.pk
    assert exc.value.detail["order_number"] == order.number
    assert Order.objects.get(pk=order.pk).completed_at == completed_at
    assert list(Redemption.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "redeemed", "redeem_already"]


def test_another_stores_or_another_merchants_guide_is_refused_and_audited(o2o):
    order = ready(o2o)
    for stranger in (o2o.other_guide, o2o.foreign_guide):
        with pytest.raises(DomainError) as exc:
            redeem_code(actor=stranger, code=order.pickup_code)
        assert code_of(exc) in ("redeem_wrong_store",)
    with pytest.raises(DomainError) as exc:
        redeem_code(actor=o2o.buyer, code=order.pickup_code)
    assert code_of(exc) == "permission_denied"
    assert Order.objects.get(pk=order.pk).status == Order.Status.SHIPPED
    rows = list(Redemption.objects.order_by("pk").values_list("actor_id", "outcome"))
    assert rows == [(o2o.other_guide.pk, "redeem_wrong_store"), (o2o.foreign_guide.pk, "redeem_wrong_store")]


def test_a_code_redeemed_in_another_store_is_that_stores(o2o):
    order = ready(o2o)
    redeem_code(actor=o2o.guide, code=order.pickup_code)
    with pytest.raises(DomainError) as exc:
        redeem_code(actor=o2o.other_guide, code=order.pickup_code)
    assert code_of(exc) == "redeem_wrong_store"


def test_an_open_after_sales_request_blocks_the_pickup(o2o):
    order = ready(o2o)
    line = order.lines.get()
    aftersale_request(actor=o2o.buyer, line=line, kind=AfterSaleRequest.Kind.REFUND_ONLY, quantity=1, reason="不要了")
    with pytest.raises(DomainError) as exc:
        redeem_code(actor=o2o.guide, code=order.pickup_code)
    assert code_of(exc) == "redeem_aftersale_open"
    assert Order.objects.get(pk=order.pk).picked_up_at is None
    assert Redemption.objects.get().outcome == "redeem_aftersale_open"


def test_an_incomplete_group_blocks_the_pickup(o2o, monkeypatch):
    order = ready(o2o)
    monkeypatch.setattr("linkmall.aftersales.services.redemption.group_order_complete",
                        lambda *, order_id: False if order_id == order.pk else None)
    with pytest.raises(DomainError) as exc:
        redeem_code(actor=o2o.guide, code=order.pickup_code)
    assert code_of(exc) == "redeem_group_incomplete"
    assert Order.objects.get(pk=order.pk).picked_up_at is None


def test_a_parcel_not_yet_in_the_store_cannot_be_redeemed(o2o):
    order = place_pickup(o2o)
    pay(order)
    with pytest.raises(DomainError) as exc:
        redeem_code(actor=o2o.guide, code=order.pickup_code)
    assert code_of(exc) == "redeem_not_ready"


def test_a_scanned_code_with_control_characters_is_read_as_its_digits_and_junk_is_audited_clean(o2o):
    order = ready(o2o)
    with pytest.raises(DomainError) as exc:
        redeem_code(actor=o2o.guide, code="\x00\x1b[2J\x7f")
    assert code_of(exc) == "redeem_not_found"
    assert Redemption.objects.get().code == "[2J"  # stored without the NUL and the escapes

    result = redeem_code(actor=o2o.guide, code=f"\x02{order.pickup_code}\r\n")
    assert result.redemption.outcome == "redeemed" and result.redemption.code == order.pickup_code


def test_guessing_locks_the_staff_member_after_ten_failures_and_the_lock_passes(o2o):
    order = ready(o2o)
    wrong = f"{(int(order.pickup_code) + 1) % 10**8:08d}"
    for _ in range(10):
        with pytest.raises(DomainError) as exc:
            redeem_code(actor=o2o.guide, code=wrong)
        assert code_of(exc) == "redeem_not_found"
    with pytest.raises(DomainError) as exc:
        redeem_code(actor=o2o.guide, code=order.pickup_code)
    assert code_of(exc) == "redeem_locked" and exc.value.status == 429
    assert Order.objects.get(pk=order.pk).picked_up_at is None
    assert Redemption.objects.filter(outcome="redeem_locked").count() == 1
    # the owner of the store is a different staff member: not locked by the guide's failures
    clock.freeze(clock.now() + timedelta(minutes=11))
    assert redeem_code(actor=o2o.guide, code=order.pickup_code).already is False


def test_the_store_locks_after_thirty_failures_of_all_its_staff(o2o, settings):
    settings.LINKMALL = {**getattr(settings, "LINKMALL", {}), "REDEEM_FAILURES_PER_STAFF": 1000}
    for _ in range(30):
        with pytest.raises(DomainError):
            redeem_code(actor=o2o.guide, code="00000000")
    with pytest.raises(DomainError) as exc:
        redeem_code(actor=o2o.owner, code="00000000", store_id=o2o.store.pk)
    assert code_of(exc) == "redeem_locked" and exc.value.detail["scope"] == "store"
    # another store of the same merchant is not locked
    with pytest.raises(DomainError) as exc:
        redeem_code(actor=o2o.other_guide, code="00000000")
    assert code_of(exc) == "redeem_not_found"


def test_a_ready_order_is_reminded_after_two_days_and_refunded_after_seven(o2o):
    order = ready(o2o)
    assert order_pickup_remind(order_id=order.pk) is True  # the task re-checks nothing but the state
    Order.objects.filter(pk=order.pk).update(pickup_reminded_at=None)
    clock.freeze(clock.now() + timedelta(days=2, minutes=1))
    run_due()
    order.refresh_from_db()
    assert order.pickup_reminded_at is not None and order.status == Order.Status.SHIPPED
    assert pickup_expire(order_id=order.pk) is False  # not due yet
    clock.freeze(clock.now() + timedelta(days=5))
    run_due()
    order.refresh_from_db()
    assert order.refunded_fen == order.total_fen == 19800
    assert order.status == Order.Status.CLOSED
    assert pickup_expire(order_id=order.pk) is False


def test_a_collected_order_is_never_refunded_by_the_timer(o2o):
    order = ready(o2o)
    redeem_code(actor=o2o.guide, code=order.pickup_code)
    clock.freeze(clock.now() + timedelta(days=8))
    run_due()
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED and order.refunded_fen == 0


# --- API and pages --------------------------------------------------------------------------


def api(user):
    from django.test import Client

    from linkmall.accounts.services import api_token_issue

    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)}"})


def test_the_api_checks_out_for_pickup_and_shows_the_code_only_when_ready(o2o):
    buyer = api(o2o.buyer)
    answer = buyer.post("/api/v1/orders/", {
        "merchant_id": o2o.merchant.pk, "lines": [{"listing_id": o2o.listing_id, "quantity": 1}],
        "client_token": "api-1", "fulfilment_mode": "pickup", "pickup_store_id": o2o.store.pk,
    }, content_type="application/json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["fulfilment_mode"], body["pickup_store_id"], body["pickup_code"], body["pickup_ready"]) == (
        "pickup", o2o.store.pk, None, False)
    order = Order.objects.get(pk=body["id"])
    pay(order)
    fulfilment_ship(actor=o2o.supplier_staff, fulfilment=order.fulfilments.get(), carrier="SF",
                    tracking_number="SF1234567890")
    shipped = api(o2o.supplier_staff).get("/api/v1/orders/supplier/fulfilments").json()["items"][0]
    assert shipped["ship_to_store"] == "南京西路店"
    pickup_parcel_received(actor=o2o.guide, order_id=order.pk)
    body = buyer.get(f"/api/v1/orders/{order.pk}").json()
    assert (body["pickup_code"], body["pickup_ready"]) == (order.pickup_code, True)

    wrong = api(o2o.other_guide).post("/api/v1/redeem", {"code": order.pickup_code}, content_type="application/json")
    assert (wrong.status_code, wrong.json()["code"]) == (409, "redeem_wrong_store")
    done = api(o2o.guide).post("/api/v1/redeem", {"code": order.pickup_code}, content_type="application/json")
    assert done.status_code == 200 and done.json()["redemption"]["order_number"] == order.number
    again = api(o2o.guide).post("/api/v1/redeem", {"code": order.pickup_code}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "redeem_already")
    log = api(o2o.guide).get("/api/v1/redeem/log").json()
    assert [row["outcome"] for row in log["items"]] == ["redeem_already", "redeemed"]
    assert api(o2o.other_guide).get("/api/v1/redeem/log").json()["items"][0]["outcome"] == "redeem_wrong_store"
    assert api(o2o.buyer).get("/api/v1/redeem/log").status_code == 403


def test_pickup_stores_come_by_name_or_nearest_first_with_the_distance(o2o):
    from django.test import Client

    Store.objects.filter(pk=o2o.store.pk).update(latitude="31.230000", longitude="121.470000")
    Store.objects.filter(pk=o2o.other_store.pk).update(latitude="31.190000", longitude="121.430000")
    by_name = Client().get(f"/api/v1/stores/{o2o.merchant.pk}/pickup-stores").json()
    assert [s["store"]["name"] for s in by_name] == ["南京西路店", "徐汇店"] and by_name[0]["distance_m"] is None
    near = Client().get(f"/api/v1/stores/{o2o.merchant.pk}/pickup-stores?lat=31.19&lng=121.43").json()
    assert [s["store"]["name"] for s in near] == ["徐汇店", "南京西路店"] and near[0]["distance_m"] == 0
    assert Client().get(f"/api/v1/stores/{o2o.merchant.pk}/pickup-stores?lat=99&lng=1").status_code == 400


def test_the_redeem_page_works_on_a_phone_without_javascript(o2o, client):
    order = place_pickup(o2o)
    pay(order)
    fulfilment_ship(actor=o2o.supplier_staff, fulfilment=order.fulfilments.get(), carrier="SF",
                    tracking_number="SF1234567890")
    client.force_login(o2o.guide)
    page = client.get("/staff/redeem/", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile")
    html = page.content.decode()
    assert page.status_code == 200 and 'name="viewport"' in html and "html5-qrcode.min.js" in html
    assert order.number in html and "cdn" not in html.lower()
    assert client.post(f"/staff/redeem/received/{order.pk}/").status_code == 302
    order.refresh_from_db()
    assert order.store_received_at is not None
    refused = client.post("/staff/redeem/", {"code": "00000000"})
    assert refused.status_code == 404 and 'data-code="redeem_not_found"' in refused.content.decode()
    done = client.post("/staff/redeem/", {"code": order.pickup_code})
    assert done.status_code == 200 and 'id="redeem-result"' in done.content.decode()
    assert Order.objects.get(pk=order.pk).status == Order.Status.COMPLETED
    client.force_login(o2o.buyer)
    assert client.get("/staff/redeem/").status_code == 403


def test_the_buyer_sees_the_code_and_its_qr_once_the_store_has_the_parcel(o2o, client):
    order = place_pickup(o2o)
    client.force_login(o2o.buyer)
    assert order.pickup_code not in client.get(f"/orders/{order.number}/").content.decode()
    assert client.get(f"/orders/{order.number}/pickup-qr.png").status_code == 404
    order = ready(o2o)
    html = client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="pickup-code"' in html and order.pickup_code in html
    qr = client.get(f"/orders/{order.number}/pickup-qr.png")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/png"


def test_the_checkout_page_places_a_pickup_order_without_an_address(o2o, client):
    client.force_login(o2o.buyer)
    page = client.get(f"/checkout/?listing={o2o.listing_id}&quantity=1")
    assert page.status_code == 200 and 'id="fulfilment-mode"' in page.content.decode()
    answer = client.post("/checkout/", {"client_token": "page-1", "listing": o2o.listing_id, "quantity": 1,
                                        "fulfilment_mode": "pickup", "pickup_store": o2o.other_store.pk,
                                        "coupon": 0, "points": 0})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    order = Order.objects.get()
    assert (order.fulfilment_mode, order.pickup_store_id) == ("pickup", o2o.other_store.pk)
    refused = client.post("/checkout/", {"client_token": "page-2", "listing": o2o.listing_id, "quantity": 1,
                                         "fulfilment_mode": "delivery", "coupon": 0, "points": 0})
    assert refused.status_code == 400 and Order.objects.count() == 1
