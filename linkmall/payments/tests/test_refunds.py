import pytest

from linkmall import testing
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.orders.models import Fulfilment, Order
from linkmall.orders.services import fulfilment_ship
from linkmall.orders.tests.factories import place, stock_of
from linkmall.payments.models import Refund, SandboxRefund
from linkmall.payments.services import refund_create
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(shop):
    # supplier 0 ships listings 0 and 1, supplier 1 ships listing 2
    order = place(shop, [(shop.listings[0].pk, 3), (shop.listings[1].pk, 1), (shop.listings[2].pk, 2)])
    pay(order)
    return order


@pytest.fixture
def platform(db):
    return testing.make_platform_user()


def line_of(order, listing):
    return order.lines.get(listing=listing)


def test_a_partial_refund_pays_unit_price_times_quantity_and_restocks_unshipped_units(shop, paid_order, platform):
    line = line_of(paid_order, shop.listings[0])

    refund = refund_create(
        actor=platform, order=paid_order, lines=[(line.pk, 2)], reason="不想要了", idempotency_key="rf-1"
    )

    assert (refund.status, refund.amount_fen, refund.shipping_fen) == (Refund.Status.SUCCEEDED, 2 * 9900, 0)
    assert refund.lines == [{"line": line.pk, "quantity": 2, "amount_fen": 2 * 9900}]
    line.refresh_from_db()
    paid_order.refresh_from_db()
    assert (line.refunded_quantity, line.refunded_fen) == (2, 2 * 9900)
    assert (paid_order.status, paid_order.refunded_fen) == (Order.Status.PAID, 2 * 9900)
    assert stock_of(shop.skus[0]) == 100 - 3 + 2
    assert SandboxRefund.objects.get().amount_fen == 2 * 9900


def test_the_same_idempotency_key_returns_the_same_refund(shop, paid_order, platform):
    line = line_of(paid_order, shop.listings[0])
    first = refund_create(actor=platform, order=paid_order, lines=[(line.pk, 1)], reason="", idempotency_key="k")
    again = refund_create(actor=platform, order=paid_order, lines=[(line.pk, 1)], reason="", idempotency_key="k")

    assert again.pk == first.pk
    line.refresh_from_db()
    assert line.refunded_quantity == 1
    assert SandboxRefund.objects.count() == 1


def test_refunding_everything_closes_the_order_and_cancels_unshipped_fulfilments(shop, paid_order, platform):
    refund = refund_create(actor=platform, order=paid_order, lines=None, reason="", idempotency_key="all")

    paid_order.refresh_from_db()
    assert refund.amount_fen == paid_order.total_fen == 6 * 9900
    assert (paid_order.status, paid_order.refunded_fen) == (Order.Status.CLOSED, paid_order.total_fen)
    assert set(paid_order.fulfilments.values_list("status", flat=True)) == {Fulfilment.Status.CANCELLED}
    assert [stock_of(s) for s in shop.skus] == [100, 100, 100, 100]


def test_odd_prices_refunded_one_unit_at_a_time_add_up_to_the_line_total(shop, platform):
    from linkmall.catalog.models import Sku
    from linkmall.stores.models import Listing

    Sku.objects.filter(pk=shop.listings[0].sku_id).update(cost_fen=2000)
    Listing.objects.filter(pk=shop.listings[0].pk).update(price_fen=3333)
    order = place(shop, [(shop.listings[0].pk, 3)])
    pay(order)
    line = order.lines.get()
    for i in range(3):
        refund_create(actor=platform, order=order, lines=[(line.pk, 1)], reason="", idempotency_key=f"u{i}")

    line.refresh_from_db()
    order.refresh_from_db()
    assert sum(Refund.objects.values_list("amount_fen", flat=True)) == 9999 == line.refunded_fen
    assert order.status == Order.Status.CLOSED


def test_refunding_more_than_is_left_is_refused_and_changes_nothing(shop, paid_order, platform):
    line = line_of(paid_order, shop.listings[0])
    refund_create(actor=platform, order=paid_order, lines=[(line.pk, 2)], reason="", idempotency_key="a")

    with pytest.raises(Conflict) as err:
        refund_create(actor=platform, order=paid_order, lines=[(line.pk, 2)], reason="", idempotency_key="b")

    assert err.value.code == "refund_exceeds"
    line.refresh_from_db()
    assert line.refunded_quantity == 2
    assert Refund.objects.count() == 1


def test_a_fully_refunded_order_has_nothing_left(shop, paid_order, platform):
    refund_create(actor=platform, order=paid_order, lines=None, reason="", idempotency_key="a")
    with pytest.raises(Conflict) as err:
        refund_create(actor=platform, order=paid_order, lines=None, reason="", idempotency_key="b")
    assert err.value.code == "refund_exceeds"


def test_an_unpaid_order_cannot_be_refunded(shop, platform):
    order = place(shop)
    with pytest.raises(Conflict) as err:
        refund_create(actor=platform, order=order, lines=None, reason="", idempotency_key="a")
    assert err.value.code == "order_not_paid"
    assert Refund.objects.count() == 0


@pytest.mark.parametrize("key", ["", "has space", "x" * 65, None])
def test_a_bad_idempotency_key_is_refused(shop, paid_order, platform, key):
    with pytest.raises(InvalidInput):
        refund_create(actor=platform, order=paid_order, lines=None, reason="", idempotency_key=key)


def test_the_merchant_of_the_order_may_refund_and_another_merchant_may_not(shop, paid_order):
    owner = testing.make_merchant_owner(shop.merchant)
    stranger = testing.make_merchant_owner(testing.make_merchant())
    line = line_of(paid_order, shop.listings[0])

    with pytest.raises(NotFound):
        refund_create(actor=stranger, order=paid_order, lines=[(line.pk, 1)], reason="", idempotency_key="s")
    refund = refund_create(actor=owner, order=paid_order, lines=[(line.pk, 1)], reason="", idempotency_key="o")
    assert refund.status == Refund.Status.SUCCEEDED
    assert Refund.objects.count() == 1


def test_a_supplier_may_refund_only_its_own_lines(shop, paid_order):
    supplier_staff = testing.make_supplier_staff(shop.suppliers[0])
    own = line_of(paid_order, shop.listings[0])
    others = line_of(paid_order, shop.listings[2])

    with pytest.raises(NotFound):
        refund_create(actor=supplier_staff, order=paid_order, lines=[(others.pk, 1)], reason="", idempotency_key="x")
    with pytest.raises(NotFound):
        refund_create(actor=supplier_staff, order=paid_order, lines=None, reason="", idempotency_key="y")
    refund = refund_create(actor=supplier_staff, order=paid_order, lines=[(own.pk, 1)], reason="", idempotency_key="z")
    assert refund.amount_fen == 9900
    assert Refund.objects.count() == 1


def test_a_supplier_without_lines_in_the_order_and_the_buyer_get_not_found(shop, paid_order):
    outsider = testing.make_supplier_staff(testing.make_supplier())
    for actor in (outsider, shop.buyer):
        with pytest.raises(NotFound):
            refund_create(actor=actor, order=paid_order, lines=None, reason="", idempotency_key="x")
    assert Refund.objects.count() == 0


def test_refunding_a_shipped_line_does_not_restock_and_keeps_the_fulfilment(shop, paid_order, platform):
    staff = testing.make_supplier_staff(shop.suppliers[1])
    fulfilment = paid_order.fulfilments.get(supplier=shop.suppliers[1])
    fulfilment_ship(actor=staff, fulfilment=fulfilment, carrier="SF", tracking_number="SF1234567890")
    line = line_of(paid_order, shop.listings[2])

    refund_create(actor=platform, order=paid_order, lines=[(line.pk, 2)], reason="", idempotency_key="r")

    fulfilment.refresh_from_db()
    assert stock_of(shop.skus[2]) == 98
    assert fulfilment.status == Fulfilment.Status.SHIPPED


def test_refunding_the_unshipped_part_lets_the_order_count_as_shipped(shop, paid_order, platform):
    staff = testing.make_supplier_staff(shop.suppliers[1])
    fulfilment_ship(
        actor=staff,
        fulfilment=paid_order.fulfilments.get(supplier=shop.suppliers[1]),
        carrier="SF",
        tracking_number="SF1234567890",
    )
    unshipped = [line_of(paid_order, shop.listings[0]), line_of(paid_order, shop.listings[1])]

    refund_create(
        actor=platform,
        order=paid_order,
        lines=[(unshipped[0].pk, 3), (unshipped[1].pk, 1)],
        reason="",
        idempotency_key="r",
    )

    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.SHIPPED
    assert paid_order.fulfilments.get(supplier=shop.suppliers[0]).status == Fulfilment.Status.CANCELLED


def test_a_line_of_another_order_is_not_found(shop, paid_order, platform):
    other = place(shop, token="t-2")
    pay(other)
    with pytest.raises(NotFound):
        refund_create(
            actor=platform, order=paid_order, lines=[(other.lines.get().pk, 1)], reason="", idempotency_key="x"
        )


def test_a_refund_the_gateway_does_not_answer_stays_pending_and_is_retried(shop, paid_order, platform, monkeypatch):
    from datetime import timedelta

    from linkmall.core import clock
    from linkmall.core.tasks import run_due
    from linkmall.payments.gateways import GatewayUnavailable
    from linkmall.payments.gateways.sandbox import SandboxGateway

    real_refund = SandboxGateway.refund

    def unreachable(self, **kwargs):
        raise GatewayUnavailable("timeout")

    monkeypatch.setattr(SandboxGateway, "refund", unreachable)
    line = line_of(paid_order, shop.listings[0])
    refund = refund_create(actor=platform, order=paid_order, lines=[(line.pk, 3)], reason="", idempotency_key="r")
    assert refund.status == Refund.Status.PENDING
    # units promised to a pending refund cannot be refunded a second time meanwhile
    with pytest.raises(Conflict):
        refund_create(actor=platform, order=paid_order, lines=[(line.pk, 1)], reason="", idempotency_key="r2")

    monkeypatch.setattr(SandboxGateway, "refund", real_refund)
    clock.advance(timedelta(minutes=1, seconds=1))
    run_due()

    refund.refresh_from_db()
    line.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert (line.refunded_quantity, line.refunded_fen) == (3, 3 * 9900)


def test_a_refund_the_gateway_refuses_fails_and_frees_the_units(shop, paid_order, platform, monkeypatch):
    from linkmall.payments.gateways import RefundResult
    from linkmall.payments.gateways.sandbox import SandboxGateway

    monkeypatch.setattr(SandboxGateway, "refund", lambda self, **kw: RefundResult(status="failed", message="NO"))
    line = line_of(paid_order, shop.listings[0])
    refund = refund_create(actor=platform, order=paid_order, lines=[(line.pk, 3)], reason="", idempotency_key="r")

    assert refund.status == Refund.Status.FAILED
    line.refresh_from_db()
    assert line.refunded_quantity == 0
    monkeypatch.undo()
    again = refund_create(actor=platform, order=paid_order, lines=[(line.pk, 3)], reason="", idempotency_key="r3")
    assert again.status == Refund.Status.SUCCEEDED
