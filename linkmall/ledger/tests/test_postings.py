import pytest

from linkmall.core.errors import Conflict, InvalidInput
from linkmall.ledger.models import Entry, Posting
from linkmall.ledger.selectors import balance_of, balances_of, ledger_verify
from linkmall.ledger.services import Line, posting_reverse, posting_write

from .helpers import account, balance, fund, gateway_cash, ledger_state

pytestmark = pytest.mark.django_db


def test_a_paid_order_is_split_between_supplier_platform_promoter_and_merchant():
    # P = 100.00; supplier cost C = 60.00, platform fee F = 3.00, promoter reward W = 5.00, merchant M = 32.00
    cash = gateway_cash()
    supplier = account("supplier", 11, "pending")
    platform = account("platform", 0, "pending")
    promoter = account("promoter", 501, "pending")
    merchant = account("merchant", 21, "pending")

    posting = posting_write(
        key="order:1042:paid", kind="order_paid", memo="订单 1042 支付", reference="1042",
        lines=[Line(cash, -10000, True), (supplier, 6000), (platform, 300), (promoter, 500), (merchant, 3200)],
    )

    assert [balance(a) for a in (cash, supplier, platform, promoter, merchant)] == [-10000, 6000, 300, 500, 3200]
    assert list(posting.entries.order_by("line_no").values_list("account_id", "amount_fen")) == [
        (cash.pk, -10000), (supplier.pk, 6000), (platform.pk, 300), (promoter.pk, 500), (merchant.pk, 3200),
    ]
    assert (posting.kind, posting.reference, posting.line_count) == ("order_paid", "1042", 5)
    assert ledger_verify().ok


def test_settlement_moves_money_from_pending_to_available_with_a_posting():
    pending, available = account("supplier", 11, "pending"), account("supplier", 11, "available")
    fund(pending, 6000)

    posting_write(key="settle:1042:supplier:11", kind="settlement",
                  lines=[(pending, -6000), (available, 6000)])

    assert balances_of(owner_kind="supplier", owner_id=11) == {"pending": 0, "available": 6000}
    assert balance_of(owner_kind="supplier", owner_id=11, bucket="withdrawn") == 0


def test_the_same_key_written_ten_times_is_one_posting():
    target = account()
    cash = gateway_cash()
    lines = [Line(cash, -500, True), Line(target, 500)]

    postings = {posting_write(key="pay:1", kind="order_paid", lines=lines).pk for _ in range(10)}

    assert len(postings) == 1
    assert Posting.objects.count() == 1
    assert Entry.objects.count() == 2
    assert balance(target) == 500


def test_a_replay_with_the_lines_in_another_order_is_the_same_posting():
    target, cash = account(), gateway_cash()
    first = posting_write(key="pay:1", kind="order_paid", lines=[Line(cash, -500, True), Line(target, 500)])
    again = posting_write(key="pay:1", kind="order_paid", lines=[Line(target, 500), Line(cash, -500, True)])
    assert again.pk == first.pk


@pytest.mark.parametrize("change", ["amount", "account", "kind"])
def test_a_key_reused_for_a_different_posting_is_refused_and_changes_nothing(change):
    target, other, cash = account(owner_id=1), account(owner_id=2), gateway_cash()
    posting_write(key="pay:1", kind="order_paid", lines=[Line(cash, -500, True), Line(target, 500)])
    before = ledger_state()
    lines, kind = [Line(cash, -500, True), Line(target, 500)], "order_paid"
    if change == "amount":
        lines = [Line(cash, -600, True), Line(target, 600)]
    elif change == "account":
        lines = [Line(cash, -500, True), Line(other, 500)]
    else:
        kind = "refund"

    with pytest.raises(Conflict) as refused:
        posting_write(key="pay:1", kind=kind, lines=lines)

    assert refused.value.code == "idempotency_key_reused"
    assert ledger_state() == before


def test_a_debit_below_zero_is_refused_and_nothing_of_the_posting_is_written():
    available, withdrawn = account(bucket="available"), account(bucket="withdrawn")
    fund(available, 1000)
    before = ledger_state()

    with pytest.raises(Conflict) as refused:
        posting_write(key="withdraw:1", kind="withdrawal", lines=[(available, -1001), (withdrawn, 1001)])

    assert refused.value.code == "insufficient_balance"
    assert refused.value.detail == {"account": "supplier:1:available", "balance_fen": 1000, "debit_fen": 1001}
    assert ledger_state() == before
    assert not Posting.objects.filter(key="withdraw:1").exists()


def test_a_debit_down_to_exactly_zero_is_allowed():
    available, withdrawn = account(bucket="available"), account(bucket="withdrawn")
    fund(available, 1000)
    posting_write(key="withdraw:1", kind="withdrawal", lines=[(available, -1000), (withdrawn, 1000)])
    assert (balance(available), balance(withdrawn)) == (0, 1000)


def test_a_line_that_allows_it_may_take_an_account_below_zero():
    cash, target = gateway_cash(), account()
    posting_write(key="k", kind="order_paid", lines=[Line(cash, -700, allow_negative=True), Line(target, 700)])
    assert balance(cash) == -700


def test_the_guard_applies_to_the_net_change_of_an_account_named_twice():
    a, b = account(owner_id=1), account(owner_id=2)
    fund(a, 100)
    posting_write(key="k", kind="transfer", lines=[(a, -150), (a, 100), (b, 50)])
    assert (balance(a), balance(b)) == (50, 50)


@pytest.mark.parametrize(
    ("lines_of", "code"),
    [
        (lambda a, b: [(a, 100), (b, -99)], "unbalanced_posting"),
        (lambda a, b: [(a, 100)], "invalid_input"),
        (lambda a, b: [], "invalid_input"),
        (lambda a, b: [(a, 0), (b, 0)], "invalid_input"),
        (lambda a, b: [(a, 1.5), (b, -1.5)], "invalid_input"),
        (lambda a, b: [(a, True), (b, -1)], "invalid_input"),
        (lambda a, b: [(a,), (b, -1)], "invalid_input"),
        (lambda a, b: [("supplier:1", 5), (b, -5)], "invalid_input"),
        (lambda a, b: "not lines", "invalid_input"),
    ],
)
def test_malformed_lines_are_refused_before_anything_is_written(lines_of, code):
    a, b = account(owner_id=1), account(owner_id=2)
    fund(a, 1000)
    before = ledger_state()
    with pytest.raises(InvalidInput) as refused:
        posting_write(key="bad", kind="transfer", lines=lines_of(a, b))
    assert refused.value.code == code
    assert ledger_state() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"key": ""}, "key"),
        ({"kind": ""}, "kind"),
        ({"key": "x" * 201}, "key"),
        ({"kind": "y" * 41}, "kind"),
        ({"key": 42}, "key"),
        ({"memo": None}, "memo"),
        ({"reference": "r" * 65}, "reference"),
        ({"reference": 1042}, "reference"),
    ],
)
def test_a_posting_needs_a_key_kind_memo_and_reference_that_fit(fields, field):
    a, b = account(owner_id=1), account(owner_id=2)
    with pytest.raises(InvalidInput) as refused:
        posting_write(**{"key": "k", "kind": "transfer", **fields}, lines=[Line(a, 1, True), Line(b, -1, True)])
    assert refused.value.detail == {"field": field}
    assert ledger_state() == (0, 0, ((a.pk, 0), (b.pk, 0)))


def test_a_long_memo_is_kept_to_its_first_200_characters():
    a, b = account(owner_id=1), account(owner_id=2)
    posting = posting_write(key="k", kind="transfer", memo="备" * 250, lines=[Line(a, 1, True), Line(b, -1, True)])
    assert Posting.objects.get(pk=posting.pk).memo == "备" * 200


def test_reversing_a_posting_writes_its_entries_negated_and_restores_the_balances():
    cash, pending = gateway_cash(), account(bucket="pending")
    original = posting_write(key="order:7:paid", kind="order_paid", reference="7",
                             lines=[Line(cash, -2500, True), Line(pending, 2500)])

    reversal = posting_reverse(key="order:7:refund", original=original, memo="全额退款")

    assert (balance(cash), balance(pending)) == (0, 0)
    assert list(reversal.entries.order_by("line_no").values_list("account_id", "amount_fen")) == [
        (cash.pk, 2500), (pending.pk, -2500),
    ]
    assert (reversal.kind, reversal.reverses_id, reversal.reference, reversal.memo) == (
        "reversal", original.pk, "7", "全额退款",
    )
    assert original.entries.count() == 2  # history stays as it was
    assert ledger_verify().ok


def test_a_reversal_replayed_with_its_key_is_the_same_posting():
    original = fund(account(), 100)
    first = posting_reverse(key="undo", original=original)
    assert posting_reverse(key="undo", original=original).pk == first.pk
    assert Posting.objects.count() == 2


def test_a_posting_is_reversed_at_most_once():
    original = fund(account(), 100)
    posting_reverse(key="undo-1", original=original)
    before = ledger_state()
    with pytest.raises(Conflict) as refused:
        posting_reverse(key="undo-2", original=original)
    assert refused.value.code == "already_reversed"
    assert ledger_state() == before


def test_money_already_withdrawn_cannot_be_taken_back_by_a_reversal():
    available, withdrawn = account(bucket="available"), account(bucket="withdrawn")
    original = fund(available, 800)
    posting_write(key="withdraw:1", kind="withdrawal", lines=[(available, -500), (withdrawn, 500)])
    before = ledger_state()

    with pytest.raises(Conflict) as refused:
        posting_reverse(key="undo", original=original)

    assert refused.value.code == "insufficient_balance"
    assert ledger_state() == before


def test_a_clawback_may_take_an_account_below_zero_when_the_caller_says_so():
    available, withdrawn = account(bucket="available"), account(bucket="withdrawn")
    original = fund(available, 800)
    posting_write(key="withdraw:1", kind="withdrawal", lines=[(available, -500), (withdrawn, 500)])
    posting_reverse(key="undo", original=original, allow_negative=True)
    assert balance(available) == -500
