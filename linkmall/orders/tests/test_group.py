"""Group buys (拼团) through the real services and the sandbox gateway: open, join, pay, complete and
ship; a deadline that fails the group and refunds every paid member in full; virtual fill; the
refusals; retries; a refund after completion."""

from datetime import timedelta

import pytest

from linkmall import testing as t
from linkmall.campaigns.models import GroupBuy, GroupBuyBuyer, GroupBuyGroup, GroupBuyMember
from linkmall.campaigns.selectors.group import group_order_complete
from linkmall.campaigns.services.group import GroupBuyFields, group_buy_create, group_buy_set_status
from linkmall.campaigns.tests.factories import T0
from linkmall.catalog.models import Sku
from linkmall.core import clock
from linkmall.core.errors import DomainError
from linkmall.core.tasks import run_due
from linkmall.orders.group import group_join_attempt, group_open_attempt
from linkmall.orders.models import Fulfilment, Order
from linkmall.orders.services import fulfilment_ship, order_cancel
from linkmall.payments.group_refunds import group_deadline_run, group_deadlines_run, group_refund_retry, refund_key
from linkmall.payments.models import Refund
from linkmall.payments.services import refund_create
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db

PRICE, COST, GROUP, LEADER_OFF = 10000, 4000, 6900, 500


@pytest.fixture
def mall():
    clock.freeze(T0)
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=COST, price_fen=PRICE, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=PRICE)
    return {"merchant": merchant, "listing": listing, "owner": t.make_merchant_owner(merchant),
            "supplier": supplier, "staff": t.make_supplier_staff(supplier)}


def make_activity(mall, **overrides):
    values = {"listing_id": mall["listing"].pk, "name": "三人团", "size": 3, "price_fen": GROUP, "stock": 10,
              "starts_at": T0, "ends_at": T0 + timedelta(days=3), "hours": 24, "per_user_limit": 2,
              "leader_discount_fen": LEADER_OFF}
    values.update(overrides)
    return group_buy_create(actor=mall["owner"], merchant=mall["merchant"], fields=GroupBuyFields(**values))


def buyer():
    user = t.make_consumer()
    return user, t.make_address(user)


def open_(activity, who, token="g-1"):
    return group_open_attempt(buyer=who[0], activity_id=activity.pk, address=who[1], client_token=token)


def join(group, who, token="g-1"):
    return group_join_attempt(buyer=who[0], group_id=group.pk, address=who[1], client_token=token)


def group_of(order):
    return GroupBuyGroup.objects.get(members__order_id=order.pk)


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def sku_stock(mall):
    return Sku.objects.get(pk=mall["listing"].sku_id).stock


def fulfilment(order):
    return Fulfilment.objects.get(order=order)


def counts(activity):
    activity.refresh_from_db()
    return activity.held, activity.sold, activity.returned


def test_open_join_and_pay_completes_the_group_and_only_then_its_orders_ship(mall):
    activity = make_activity(mall)
    assert sku_stock(mall) == 90
    leader_order = open_(activity, buyer())
    group = group_of(leader_order)
    orders = [leader_order, join(group, buyer()), join(group, buyer())]
    assert [o.lines.get().activity_fen for o in orders] == [GROUP - LEADER_OFF, GROUP, GROUP]
    assert orders[1].lines.get().activity_kind == "group"

    pay(orders[0])
    pay(orders[1])
    assert [fulfilment(o).status for o in orders[:2]] == ["awaiting_group", "awaiting_group"]
    assert group_order_complete(order_id=orders[0].pk) is False
    assert code_of(lambda: fulfilment_ship(actor=mall["staff"], fulfilment=fulfilment(orders[0]), carrier="SF",
                                           tracking_number="SF12345678")) == "not_shippable"

    pay(orders[2])

    group.refresh_from_db()
    assert (group.status, group.seats, group.paid) == ("complete", 3, 3)
    assert [fulfilment(o).status for o in orders] == ["to_ship", "to_ship", "to_ship"]
    assert group_order_complete(order_id=orders[1].pk) is True
    assert counts(activity) == (0, 3, 0)
    fulfilment_ship(actor=mall["staff"], fulfilment=fulfilment(orders[0]), carrier="SF", tracking_number="SF12345678")


def test_the_deadline_fails_a_group_with_two_of_three_paid_and_refunds_both_in_full(mall):
    activity = make_activity(mall)
    first = open_(activity, buyer())
    group = group_of(first)
    second, unpaid = join(group, buyer()), join(group, buyer())
    pay(first)
    pay(second)
    assert sku_stock(mall) == 90

    clock.freeze(group.deadline)
    run_due()

    group.refresh_from_db()
    assert group.status == "failed"
    for order in (first, second):
        order.refresh_from_db()
        refund = Refund.objects.get(order=order)
        assert (refund.status, refund.amount_fen, refund.out_refund_no) == (
            "succeeded", order.total_fen, refund_key(group.pk, order.pk))
        assert (order.status, order.refunded_fen) == ("closed", order.total_fen)
        assert fulfilment(order).status == "cancelled"
    unpaid.refresh_from_db()
    assert unpaid.status == "cancelled"
    assert list(GroupBuyMember.objects.filter(group=group).order_by("pk").values_list("status", "refund_state")) == [
        ("paid", "succeeded"), ("paid", "succeeded"), ("released", "")]
    # the two refunded units are back on the supplier's shelf, the unpaid seat's unit in the activity
    assert sku_stock(mall) == 92
    assert counts(activity) == (0, 2, 0)
    assert not Fulfilment.objects.filter(status__in=["to_ship", "awaiting_group"]).exists()

    # run twice: nothing twice
    assert group_deadline_run(group_id=group.pk) == "failed"
    assert group_deadlines_run() == 0
    assert Refund.objects.filter(order__in=[first, second]).count() == 2
    assert sku_stock(mall) == 92


def test_a_refund_the_gateway_cannot_take_stays_pending_is_retried_by_task_and_by_the_button(mall, monkeypatch):
    from linkmall.payments.gateways import GatewayUnavailable
    from linkmall.payments.gateways.sandbox import SandboxGateway

    activity = make_activity(mall, size=2)
    order = open_(activity, buyer())
    group = group_of(order)
    pay(order)
    real_refund = SandboxGateway.refund

    def unreachable(self, **kwargs):
        raise GatewayUnavailable("timeout")

    monkeypatch.setattr(SandboxGateway, "refund", unreachable)
    clock.freeze(group.deadline)
    run_due()
    member = GroupBuyMember.objects.get(order_id=order.pk)
    assert (member.refund_state, Refund.objects.get(order=order).status) == ("pending", "pending")
    assert group_refund_retry(actor=mall["owner"], member_id=member.pk) == "pending"

    monkeypatch.setattr(SandboxGateway, "refund", real_refund)
    clock.advance(timedelta(minutes=1, seconds=1))
    run_due()

    member.refresh_from_db()
    order.refresh_from_db()
    assert member.refund_state == "succeeded"
    assert (order.refunded_fen, Refund.objects.filter(order=order).count()) == (order.total_fen, 1)
    assert code_of(lambda: group_refund_retry(actor=mall["owner"], member_id=member.pk)) == "group_refund_not_retryable"
    other_owner = t.make_merchant_owner(t.make_merchant())
    assert code_of(lambda: group_refund_retry(actor=other_owner, member_id=member.pk)) == "not_found"


def test_a_refund_the_gateway_refuses_is_shown_failed_and_the_retry_makes_a_new_one(mall, monkeypatch):
    from linkmall.payments.gateways import RefundResult
    from linkmall.payments.gateways.sandbox import SandboxGateway

    activity = make_activity(mall, size=2)
    order = open_(activity, buyer())
    group = group_of(order)
    pay(order)
    real_refund = SandboxGateway.refund
    monkeypatch.setattr(SandboxGateway, "refund", lambda self, **kw: RefundResult(status="failed", message="NO"))
    clock.freeze(group.deadline)
    group_deadlines_run()
    member = GroupBuyMember.objects.get(order_id=order.pk)
    assert member.refund_state == "failed"

    monkeypatch.setattr(SandboxGateway, "refund", real_refund)
    assert group_refund_retry(actor=mall["owner"], member_id=member.pk) == "succeeded"
    assert sorted(Refund.objects.filter(order=order).values_list("out_refund_no", "status")) == [
        (refund_key(group.pk, order.pk), "failed"), (refund_key(group.pk, order.pk, 1), "succeeded")]


def test_virtual_fill_completes_a_group_full_enough_at_its_deadline(mall):
    activity = make_activity(mall, size=4, virtual_fill_percent=50)
    first = open_(activity, buyer())
    group = group_of(first)
    second, unpaid = join(group, buyer()), join(group, buyer())
    pay(first)
    pay(second)

    clock.freeze(group.deadline)
    run_due()

    group.refresh_from_db()
    assert (group.status, group.paid, group.virtual_members) == ("complete", 2, 2)
    assert [fulfilment(o).status for o in (first, second)] == ["to_ship", "to_ship"]
    unpaid.refresh_from_db()
    assert unpaid.status == "cancelled"
    assert GroupBuyMember.objects.filter(group=group, virtual=True, status="paid", order_id=None).count() == 2
    assert not Refund.objects.exists()
    assert group_order_complete(order_id=first.pk) is True


def test_a_group_below_the_virtual_fill_percent_fails(mall):
    activity = make_activity(mall, size=4, virtual_fill_percent=75)
    first = open_(activity, buyer())
    group = group_of(first)
    pay(first)
    pay(join(group, buyer()))
    clock.freeze(group.deadline)
    run_due()
    group.refresh_from_db()
    assert (group.status, group.virtual_members) == ("failed", 0)
    assert Refund.objects.filter(status="succeeded").count() == 2


def test_a_refunded_member_of_a_complete_group_does_not_undo_it(mall):
    activity = make_activity(mall, size=2)
    first = open_(activity, buyer())
    group = group_of(first)
    second = join(group, buyer())
    pay(first)
    pay(second)
    refund_create(actor=mall["owner"], order=second, lines=None, reason="不要了", idempotency_key="r-1")

    group.refresh_from_db()
    assert (group.status, group.paid) == ("complete", 2)
    assert fulfilment(first).status == "to_ship"
    assert fulfilment(second).status == "cancelled"
    assert sku_stock(mall) == 91  # the refunded unit never left the shelf: back to the SKU
    clock.freeze(group.deadline)
    assert group_deadlines_run() == 0
    assert Refund.objects.count() == 1


def test_an_unpaid_seat_that_lapses_frees_the_seat_for_someone_else(mall):
    activity = make_activity(mall, size=2)
    first = open_(activity, buyer())
    group = group_of(first)
    late = buyer()
    lapsing = join(group, late)
    assert code_of(lambda: join(group, buyer(), token="x")) == "group_full"
    order_cancel(actor=late[0], order=lapsing)

    group.refresh_from_db()
    assert group.seats == 1
    assert counts(activity) == (1, 0, 0)
    assert GroupBuyBuyer.objects.get(activity=activity, user=late[0]).taken == 0
    assert join(group, late, token="again").status == "pending_payment"


def test_every_refusal_changes_nothing(mall):
    activity = make_activity(mall, size=2, per_user_limit=1, starts_at=T0 + timedelta(hours=1))
    who = buyer()
    assert code_of(lambda: open_(activity, who)) == "group_not_started"
    clock.freeze(T0 + timedelta(hours=1))
    group_buy_set_status(actor=mall["owner"], activity_id=activity.pk, status="paused")
    assert code_of(lambda: open_(activity, who)) == "group_paused"
    group_buy_set_status(actor=mall["owner"], activity_id=activity.pk, status="active")
    order = open_(activity, who)
    group = group_of(order)
    assert code_of(lambda: join(group, who, token="g-2")) == "group_already_member"
    assert code_of(lambda: open_(activity, who, token="g-3")) == "group_limit_reached"
    pay(order)
    pay(join(group, buyer()))
    assert code_of(lambda: join(group, buyer())) == "group_closed"
    assert code_of(lambda: join(GroupBuyGroup(pk=10**9), buyer())) == "not_found"

    snapshot = (Order.objects.count(), GroupBuyMember.objects.count(), counts(activity), sku_stock(mall))
    other = make_activity(mall, size=3, stock=1)
    lone = open_(other, buyer())
    assert code_of(lambda: open_(other, buyer())) == "group_sold_out"
    clock.freeze(group_of(lone).deadline)
    assert code_of(lambda: join(group_of(lone), buyer())) == "group_failed"
    group_deadlines_run()
    assert code_of(lambda: join(group_of(lone), buyer())) == "group_failed"
    clock.freeze(T0 + timedelta(days=3))
    assert code_of(lambda: open_(activity, buyer())) == "group_ended"
    assert (Order.objects.count() - 1, GroupBuyMember.objects.count() - 1, counts(activity)) == (
        snapshot[0], snapshot[1], snapshot[2])


def test_a_retry_with_the_same_token_returns_the_first_order_and_takes_nothing_more(mall):
    activity = make_activity(mall)
    who = buyer()
    first = open_(activity, who)
    assert open_(activity, who).pk == first.pk
    joiner = buyer()
    group = group_of(first)
    assert join(group, joiner).pk == join(group, joiner).pk
    group.refresh_from_db()
    assert (group.seats, GroupBuyGroup.objects.count(), counts(activity)) == (2, 1, (2, 0, 0))


def test_a_payment_after_the_group_failed_is_given_back(mall):
    activity = make_activity(mall, size=2)
    first = open_(activity, buyer())
    group = group_of(first)
    clock.freeze(group.deadline - timedelta(minutes=1))
    late = join(group, buyer())
    clock.freeze(group.deadline)
    pay(late)
    late.refresh_from_db()
    assert late.status == "pending_payment" or late.status == "cancelled"
    assert Refund.objects.get(order=late).status == "succeeded"
    assert GroupBuyMember.objects.get(order_id=late.pk).status in ("held", "released")


def test_ending_returns_the_free_stock_and_a_seat_released_after_it_goes_to_the_sku(mall):
    activity = make_activity(mall)
    who = buyer()
    order = open_(activity, who)
    group_buy_set_status(actor=mall["owner"], activity_id=activity.pk, status="ended")
    assert counts(activity) == (1, 0, 9)
    assert sku_stock(mall) == 99
    order_cancel(actor=who[0], order=order)
    assert counts(activity) == (0, 0, 10)
    assert sku_stock(mall) == 100
    assert GroupBuy.objects.get(pk=activity.pk).status == "ended"
