"""The ledger and the 2+1 engine under random stories, driven through the real services.

A hypothesis state machine joins consumers to random existing users, seeds bosses, places and
pays orders through the sandbox gateway (some with a coupon, funded by the merchant or the
platform, and points), refunds parts of them, moves the clock (which settles
orders) and withdraws earnings; staff approve a withdrawal at once or later, reject it, or see its
transfer fail. After every step the money and the graphs must still be sound: the ledger
balances, each balance is the sum of its entries, no reward is paid twice or above what accrued,
the invite graph has no cycle, every team owner is a boss, for every order the cash that came in
equals the sum of all shares, its marketing memo nets to zero and holds the discounts of the
units kept, and each promoter's ledger equals its live rewards less its withdrawals.

Each example runs inside a savepoint that is rolled back, so examples never see each other.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from linkmall import testing as t
from linkmall.campaigns.services import coupon_claim, points_grant
from linkmall.campaigns.tests.factories import make_template
from linkmall.core import clock
from linkmall.core.errors import Conflict
from linkmall.core.tasks import run_due
from linkmall.ledger.models import Bucket, Entry, LedgerAccount, OwnerKind, Withdrawal
from linkmall.ledger.payouts import TransferResult
from linkmall.ledger.selectors import balance_of
from linkmall.ledger.withdrawals import withdrawal_approve, withdrawal_reject, withdrawal_request
from linkmall.orders.models import Order
from linkmall.payments.services import refund_create
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import OrderSettlement, Promoter, Reward
from linkmall.referral.services import promoter_seed
from linkmall.referral.tests._money_world import (
    SOAP_PRICE,
    assert_all_invariants,
    assert_each_promoter_reconciles,
    mall_open,
    order_buy,
)

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CHANNELS = ("link", "qr", "card", "poster")
#: joins stop here, so a story spends its steps on orders, refunds and time as well
MAX_USERS = 10
#: orders wait for time to pass beyond this, so stories settle and withdraw too
MAX_UNSETTLED = 5
MINIMUM = django_settings.LINKMALL["WITHDRAWAL_MIN_FEN"]


def _few_unsettled(machine) -> bool:
    return OrderSettlement.objects.filter(settled_at__isnull=True).count() < MAX_UNSETTLED


class MallStory(RuleBasedStateMachine):
    profile = "classic"

    def __init__(self) -> None:
        super().__init__()
        # every example in a savepoint of its own, rolled back in teardown
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        clock.freeze(START)
        self.mall = mall_open(profile=self.profile)
        self.users: list = []
        self.orders: list[Order] = []
        self.keys = 0
        self.withdrawn = 0
        #: withdrawals requested and left for staff to review
        self.waiting: list[Withdrawal] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        clock.reset()

    def _key(self) -> str:
        self.keys += 1
        return f"story-{self.keys}"

    @initialize(invitees=st.integers(1, 3))
    def a_seeded_boss_and_its_invitees(self, invitees):
        boss = t.make_consumer()
        promoter_seed(user=boss, level="boss")
        self.users.append(boss)
        for _ in range(invitees):
            user = t.make_consumer()
            referral_bind(user=user, referrer=boss, via="link")
            self.users.append(user)

    # --- joining ---------------------------------------------------------------------------

    @precondition(lambda self: len(self.users) < MAX_USERS)
    @rule(referrer=st.integers(min_value=0), channel=st.sampled_from(CHANNELS))
    def a_consumer_joins_through_a_link(self, referrer, channel):
        user = t.make_consumer()
        assert referral_bind(user=user, referrer=self.users[referrer % len(self.users)], via=channel) is True
        self.users.append(user)

    @precondition(lambda self: len(self.users) < MAX_USERS)
    @rule()
    def another_boss_is_seeded(self):
        boss = t.make_consumer()
        promoter_seed(user=boss, level="boss")
        self.users.append(boss)

    @rule(user=st.integers(min_value=0), referrer=st.integers(min_value=0))
    def a_second_binding_changes_nothing(self, user, referrer):
        user, referrer = self.users[user % len(self.users)], self.users[referrer % len(self.users)]
        before = Promoter.objects.filter(user=user).values_list("referrer_id", flat=True).first()
        try:
            bound = referral_bind(user=user, referrer=referrer, via="link")
        except Conflict as exc:
            assert exc.code in ("self_referral", "referral_cycle")
            bound = False
        after = Promoter.objects.filter(user=user).values_list("referrer_id", flat=True).first()
        assert after == (referrer.pk if bound else before)
        assert bound is False or before is None

    # --- orders and refunds ----------------------------------------------------------------

    @precondition(_few_unsettled)
    @rule(buyer=st.integers(min_value=0), gifts=st.integers(0, 2), soaps=st.integers(0, 3))
    def a_user_buys(self, buyer, gifts, soaps):
        lines = [(listing, qty) for listing, qty in ((self.mall.gift, gifts), (self.mall.soap, soaps)) if qty]
        if not lines:
            lines = [(self.mall.gift, 1)]
        order = order_buy(self.mall, self.users[buyer % len(self.users)], lines)
        assert order.status == Order.Status.PAID
        assert OrderSettlement.objects.filter(order=order).exists()
        self.orders.append(order)

    @precondition(_few_unsettled)
    @rule(buyer=st.integers(min_value=0), soaps=st.integers(1, 3), funder=st.sampled_from(["merchant", "platform"]),
          points=st.sampled_from([0, 100, 999]))
    def a_user_buys_with_a_coupon_and_points(self, buyer, soaps, funder, points):
        """campaigns.md §1–§2: a 12.34 coupon paid by the merchant or the platform, and points."""
        user = self.users[buyer % len(self.users)]
        template = make_template(self.mall.merchant, value=Decimal(1234), funder=funder, total=1000,
                                 per_user_limit=1000)
        coupon = coupon_claim(user=user, template_id=template.pk, key=self._key())
        if points:
            points_grant(user=user, merchant=self.mall.merchant, points=points, key=self._key(), reason="story")
        order = order_buy(self.mall, user, [(self.mall.soap, soaps)], coupon_id=coupon.pk, points=points)
        assert order.status == Order.Status.PAID
        assert order.total_fen == SOAP_PRICE * soaps - 1234 - points
        self.orders.append(order)

    @precondition(_few_unsettled)
    @rule(buyer=st.integers(min_value=0))
    def a_buyer_invited_by_someone_buys_the_package(self, buyer):
        """The common path, so most stories earn something: a referred user buys one 礼包."""
        invitees = list(Promoter.objects.filter(user_id__in=[u.pk for u in self.users], referrer__isnull=False)
                        .order_by("user_id").values_list("user_id", flat=True))
        user = next(u for u in self.users if u.pk == invitees[buyer % len(invitees)]) if invitees else self.users[0]
        order = order_buy(self.mall, user, [(self.mall.gift, 1)])
        assert order.status == Order.Status.PAID
        self.orders.append(order)

    @precondition(lambda self: self.orders)
    @rule(which=st.integers(min_value=0), line_pick=st.integers(min_value=0), quantity=st.integers(1, 3))
    def part_of_an_order_is_refunded(self, which, line_pick, quantity):
        order = self.orders[which % len(self.orders)]
        lines = list(order.lines.order_by("pk"))
        line = lines[line_pick % len(lines)]
        left = line.quantity - line.refunded_quantity
        entries_before = Entry.objects.count()
        if quantity > left:
            with pytest.raises(Conflict) as refused:
                refund_create(actor=self.mall.operator, order=order, lines=[(line.pk, quantity)], reason="",
                              idempotency_key=self._key())
            assert refused.value.code == "refund_exceeds"
            assert Entry.objects.count() == entries_before
            return
        refund_create(actor=self.mall.operator, order=order, lines=[(line.pk, quantity)], reason="story",
                      idempotency_key=self._key())
        run_due()
        line.refresh_from_db()
        assert line.quantity - line.refunded_quantity == left - quantity

    # --- time and withdrawals --------------------------------------------------------------

    @rule(days=st.sampled_from([8, 1, 3, 7]))  # most often past the settlement window
    def time_passes(self, days):
        clock.advance(timedelta(days=days))
        run_due()
        overdue = OrderSettlement.objects.filter(settled_at__isnull=True, settle_due_at__lte=clock.now())
        assert not overdue.exists()

    @rule(who=st.integers(min_value=0), percent=st.integers(1, 150), reviewed_now=st.booleans())
    def a_promoter_withdraws(self, who, percent, reviewed_now):
        """Mostly someone with earnings, for a share of them; above 100 % it is an overdraft.
        Staff approve it at once, or it waits in the review queue."""
        earners = list(LedgerAccount.objects.filter(owner_kind=OwnerKind.PROMOTER, bucket=Bucket.AVAILABLE,
                                                    balance_fen__gte=MINIMUM).values_list("owner_id", flat=True))
        user_id = sorted(earners)[who % len(earners)] if earners else self.users[who % len(self.users)].pk
        user = next(u for u in self.users if u.pk == user_id)
        available = balance_of(owner_kind=OwnerKind.PROMOTER, owner_id=user.pk, bucket=Bucket.AVAILABLE)
        amount = max(MINIMUM, available * percent // 100)
        entries_before, withdrawals_before = Entry.objects.count(), Withdrawal.objects.count()
        if amount > available:
            with pytest.raises(Conflict) as refused:
                withdrawal_request(actor=user, owner_kind=OwnerKind.PROMOTER, owner_id=user.pk, amount_fen=amount,
                                   key=self._key())
            assert refused.value.code == "insufficient_balance"
            assert (Entry.objects.count(), Withdrawal.objects.count()) == (entries_before, withdrawals_before)
            return
        withdrawal = withdrawal_request(actor=user, owner_kind=OwnerKind.PROMOTER, owner_id=user.pk,
                                        amount_fen=amount, key=self._key())
        assert balance_of(owner_kind=OwnerKind.PROMOTER, owner_id=user.pk, bucket=Bucket.AVAILABLE) == available - amount
        if not reviewed_now:
            assert withdrawal.status == Withdrawal.Status.REQUESTED
            self.waiting.append(withdrawal)
            return
        withdrawal = withdrawal_approve(actor=self.mall.operator, withdrawal=withdrawal)
        assert withdrawal.status == Withdrawal.Status.PAID
        self.withdrawn += amount

    @precondition(lambda self: self.waiting)
    @rule(which=st.integers(min_value=0), decision=st.sampled_from(["approve", "reject", "transfer_fails"]))
    def staff_decide_a_waiting_withdrawal(self, which, decision):
        """Approved (paid), rejected, or approved with a transfer that fails: the last two give the
        whole amount back, fee included, even to an account a clawback has since put in debt."""
        withdrawal = self.waiting.pop(which % len(self.waiting))
        owner = {"owner_kind": OwnerKind.PROMOTER, "owner_id": withdrawal.owner_id}
        available = balance_of(**owner, bucket=Bucket.AVAILABLE)
        withdrawn = balance_of(**owner, bucket=Bucket.WITHDRAWN)
        if decision == "approve":
            withdrawal = withdrawal_approve(actor=self.mall.operator, withdrawal=withdrawal)
            assert withdrawal.status == Withdrawal.Status.PAID
            assert balance_of(**owner, bucket=Bucket.WITHDRAWN) == withdrawn + withdrawal.net_fen
            self.withdrawn += withdrawal.amount_fen
        elif decision == "reject":
            withdrawal = withdrawal_reject(actor=self.mall.operator, withdrawal=withdrawal, reason="story")
            assert withdrawal.status == Withdrawal.Status.REJECTED
        else:
            with mock.patch("linkmall.ledger.payouts.SandboxTransfer.transfer",
                            lambda _self, **kw: TransferResult(ok=False, message="ACCOUNT_FROZEN")):
                withdrawal = withdrawal_approve(actor=self.mall.operator, withdrawal=withdrawal)
            assert (withdrawal.status, withdrawal.note) == (Withdrawal.Status.FAILED, "ACCOUNT_FROZEN")
        if decision != "approve":
            assert balance_of(**owner, bucket=Bucket.AVAILABLE) == available + withdrawal.amount_fen
            assert balance_of(**owner, bucket=Bucket.WITHDRAWN) == withdrawn
        with pytest.raises(Conflict) as twice:
            withdrawal_reject(actor=self.mall.operator, withdrawal=withdrawal, reason="again")
        assert twice.value.code == "withdrawal_decided"

    # --- after every step ------------------------------------------------------------------

    @invariant()
    def the_money_and_the_graphs_are_sound(self):
        assert_all_invariants()

    @invariant()
    def each_promoter_holds_its_live_rewards_less_its_withdrawals(self):
        assert_each_promoter_reconciles()

    @invariant()
    def rewards_follow_the_timing_of_the_plan(self):
        if self.profile == "sales":  # basis settled: nothing is pending, ever
            assert not Reward.objects.filter(status=Reward.Status.PENDING).exists()


class ClassicStory(MallStory):
    profile = "classic"


class SalesStory(MallStory):
    profile = "sales"


STORY_SETTINGS = settings(
    max_examples=14,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("story", [ClassicStory, SalesStory], ids=["classic", "sales"])
def test_random_stories_keep_the_money_and_the_graphs_sound(story):
    run_state_machine_as_test(story, settings=STORY_SETTINGS)
