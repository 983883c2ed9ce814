"""The ledger and the 2+1 engine under real threads, on SQLite and PostgreSQL.

Each race starts every thread at one barrier. What must hold afterwards: one payment of a
notification delivered fifty times; a refund racing the settlement task leaves every share at
its target with nothing lost or created; a withdrawal racing a clawback never pays out more
than the promoter had — either the withdrawal is refused or the clawback leaves a debt.
"""

from datetime import timedelta

import pytest

from linkmall import testing as t
from linkmall.core import clock
from linkmall.core.errors import Conflict
from linkmall.core.tasks import run_due
from linkmall.ledger.models import Bucket, LedgerAccount, OwnerKind, Posting, Withdrawal
from linkmall.ledger.selectors import balance_of, balances_of
from linkmall.ledger.withdrawals import withdrawal_request
from linkmall.orders.models import Order
from linkmall.payments.gateways.sandbox import sandbox_notification_build, sandbox_trade_pay
from linkmall.payments.models import Payment, PaymentNotification, Refund
from linkmall.payments.services import payment_handle_notification, payment_start, refund_create
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import OrderSettlement, Reward
from linkmall.referral.services import promoter_seed
from linkmall.referral.settlement import order_settle
from linkmall.referral.tests._money_world import (
    GIFT_COST,
    GIFT_PRICE,
    assert_all_invariants,
    mall_open,
    order_buy,
    order_place_for,
)
from linkmall.testing import race

pytestmark = pytest.mark.django_db(transaction=True)


def a_boss_and_an_invitee():
    boss, invitee = t.make_consumer(), t.make_consumer()
    promoter_seed(user=boss, level="boss")
    referral_bind(user=invitee, referrer=boss, via="link")
    return boss, invitee


def rewards_of(order) -> list[tuple[str, int, int, str]]:
    return sorted(Reward.objects.filter(order=order).values_list("kind", "recipient_id", "amount_fen", "status"))


@pytest.mark.row_locks
def test_fifty_copies_of_one_payment_notification_pay_the_order_once():
    clock.freeze(clock.now())
    mall = mall_open(profile="classic")
    boss, invitee = a_boss_and_an_invitee()
    order = order_place_for(mall, invitee, [(mall.gift, 1)])
    started = payment_start(actor=invitee, order=order)
    trade = sandbox_trade_pay(out_trade_no=started.payment.out_trade_no)
    deliveries = [sandbox_notification_build(trade) for _ in range(50)]

    results = race(*[
        (lambda body=body, headers=headers: payment_handle_notification(gateway="sandbox", body=body,
                                                                         headers=headers))
        for body, headers in deliveries
    ])

    assert sorted(r.outcome for r in results) == ["accepted"] + ["duplicate"] * 49, results
    assert list(Payment.objects.values_list("status", flat=True)) == [Payment.Status.SUCCEEDED]
    assert PaymentNotification.objects.count() == 50
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert OrderSettlement.objects.filter(order=order).count() == 1
    assert list(Posting.objects.filter(reference=f"order:{order.pk}").values_list("key", flat=True)) == [
        f"order:{order.pk}:paid"]
    assert rewards_of(order) == [("direct", boss.pk, 10000, "pending"), ("team", boss.pk, 20000, "pending")]
    assert balances_of(owner_kind=OwnerKind.PROMOTER, owner_id=boss.pk) == {Bucket.PENDING: 30000}
    assert balance_of(owner_kind=OwnerKind.GATEWAY, owner_id=0, bucket=Bucket.CASH) == -GIFT_PRICE
    assert_all_invariants()


# under `classic` the rewards accrue at payment and settle later; under `sales` (basis settled)
# they accrue in the very settlement the refund races
EXPECTED_AFTER_ONE_OF_TWO_REFUNDED = {
    "classic": [("direct", 10000), ("team", 20000)],  # fixed per unit: 100.00 + 200.00 for the one left
    "sales": [("direct", 14970), ("team", 0)],  # 60 % of the pool left, cut to the 30 % cap of 499.00
}


@pytest.mark.row_locks
@pytest.mark.parametrize("profile", ["classic", "sales"])
def test_a_refund_racing_the_settlement_leaves_every_share_at_its_target(profile):
    clock.freeze(clock.now())
    mall = mall_open(profile=profile)
    rounds = []
    for _ in range(6):
        boss, invitee = a_boss_and_an_invitee()
        rounds.append((boss, order_buy(mall, invitee, [(mall.gift, 2)])))
    clock.advance(timedelta(days=8))  # every order is due; the settlement task has not run yet

    for number, (_boss, order) in enumerate(rounds):
        line = order.lines.get()
        settled, refunded = race(
            lambda order=order: order_settle(order_id=order.pk),
            lambda order=order, line=line, number=number: refund_create(
                actor=mall.operator, order=order, lines=[(line.pk, 1)], reason="race", idempotency_key=f"race-{number}"),
        )
        assert settled is True, settled
        assert isinstance(refunded, Refund) and refunded.status == Refund.Status.SUCCEEDED, refunded
        assert_all_invariants()
    run_due()  # the settlement tasks come late and find the orders settled: nothing moves twice
    entries = LedgerAccount.objects.values_list("balance_fen", flat=True)

    assert sum(entries) == 0
    assert_all_invariants()
    for boss, order in rounds:
        order.refresh_from_db()
        assert order.refunded_fen == GIFT_PRICE
        assert Posting.objects.filter(key=f"order:{order.pk}:settle").count() == 1
        kinds = [(kind, amount) for kind, recipient, amount, _status in rewards_of(order)]
        expected = [(k, a) for k, a in EXPECTED_AFTER_ONE_OF_TWO_REFUNDED[profile] if a or profile == "classic"]
        assert [(k, a) for k, a in kinds if a or profile == "classic"] == expected
        earned = sum(a for _k, a in expected)
        assert balances_of(owner_kind=OwnerKind.PROMOTER, owner_id=boss.pk).get(Bucket.AVAILABLE, 0) == earned
        assert balances_of(owner_kind=OwnerKind.PROMOTER, owner_id=boss.pk).get(Bucket.PENDING, 0) == 0
    supplier_owed = sum(
        balances_of(owner_kind=OwnerKind.SUPPLIER, owner_id=order.lines.get().supplier_id).get(Bucket.AVAILABLE, 0)
        for _b, order in rounds[:1])
    assert supplier_owed == GIFT_COST * len(rounds)  # one supplier, one unit kept per order


def test_a_withdrawal_racing_a_clawback_never_pays_out_what_was_not_there():
    clock.freeze(clock.now())
    mall = mall_open(profile="classic")
    outcomes = []
    for number in range(8):
        boss, invitee = a_boss_and_an_invitee()
        order = order_buy(mall, invitee, [(mall.gift, 1)])
        clock.advance(timedelta(days=8))
        run_due()
        assert balance_of(owner_kind=OwnerKind.PROMOTER, owner_id=boss.pk, bucket=Bucket.AVAILABLE) == 30000

        withdrawn, refunded = race(
            lambda boss=boss, number=number: withdrawal_request(
                actor=boss, owner_kind=OwnerKind.PROMOTER, owner_id=boss.pk, amount_fen=30000, key=f"w-{number}"),
            lambda order=order, number=number: refund_create(
                actor=mall.operator, order=order, lines=None, reason="clawback", idempotency_key=f"c-{number}"),
        )

        assert isinstance(refunded, Refund) and refunded.status == Refund.Status.SUCCEEDED, refunded
        available = balance_of(owner_kind=OwnerKind.PROMOTER, owner_id=boss.pk, bucket=Bucket.AVAILABLE)
        if isinstance(withdrawn, Withdrawal):
            # the withdrawal came first: the clawback that followed left a debt of all of it
            assert available == -30000
            outcomes.append("withdrawn, then a debt")
        else:
            # the clawback came first: nothing was left to withdraw, and nothing was written
            assert isinstance(withdrawn, Conflict) and withdrawn.code == "insufficient_balance", withdrawn
            assert available == 0
            assert not Withdrawal.objects.filter(key=f"w-{number}").exists()
            outcomes.append("refused")
        assert Reward.objects.filter(order=order).exclude(amount_fen=0).count() == 0
        assert_all_invariants()
    assert set(outcomes) <= {"withdrawn, then a debt", "refused"}
