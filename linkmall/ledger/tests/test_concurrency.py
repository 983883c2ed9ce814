"""Real threads, real transactions: the locks and guarded updates hold under contention."""

from collections import Counter

import pytest

from linkmall.ledger.models import Entry, Posting
from linkmall.ledger.selectors import ledger_verify
from linkmall.ledger.services import Line, posting_write
from linkmall.testing import copies, outcomes, race

from .helpers import account, balance, fund, gateway_cash

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_threads_writing_the_same_key_make_one_posting():
    cash, target = gateway_cash(), account()

    def write(n: int) -> str:
        posting = posting_write(key="order:9:paid", kind="order_paid",
                                lines=[Line(cash, -1234, True), Line(target, 1234)])
        return str(posting.pk)

    tally = Counter(outcomes(race(*copies(write, 20))))

    assert list(tally.values()) == [20]  # every thread got the same posting back
    assert Posting.objects.count() == 1
    assert Entry.objects.count() == 2
    assert balance(target) == 1234
    assert ledger_verify().ok


def test_twenty_threads_reusing_one_key_for_different_lines_write_exactly_one_of_them():
    cash = gateway_cash()
    targets = [account(owner_id=n + 1) for n in range(20)]

    def write(n: int) -> str:
        posting_write(key="contested", kind="order_paid", lines=[Line(cash, -100, True), Line(targets[n], 100)])
        return "written"

    tally = Counter(outcomes(race(*copies(write, 20))))

    assert tally == Counter({"written": 1, "idempotency_key_reused": 19})
    assert sum(balance(t) for t in targets) == 100
    assert ledger_verify().ok


def test_concurrent_withdrawals_never_overdraw_a_guarded_account():
    available, withdrawn = account(bucket="available"), account(bucket="withdrawn")
    fund(available, 500)

    def withdraw(n: int) -> str:
        posting_write(key=f"withdraw:{n}", kind="withdrawal", lines=[(available, -100), (withdrawn, 100)])
        return "paid"

    tally = Counter(outcomes(race(*copies(withdraw, 12))))

    assert tally == Counter({"paid": 5, "insufficient_balance": 7})
    assert (balance(available), balance(withdrawn)) == (0, 500)
    assert Posting.objects.filter(kind="withdrawal").count() == 5
    assert ledger_verify().ok


def test_crossing_transfers_between_two_accounts_do_not_deadlock_and_conserve_money():
    a, b = account(owner_id=1), account(owner_id=2)
    fund(a, 1000)
    fund(b, 1000)

    def transfer(n: int) -> str:
        source, target = (a, b) if n % 2 else (b, a)
        posting_write(key=f"t:{n}", kind="transfer", lines=[(source, -10), (target, 10)])
        return "done"

    tally = Counter(outcomes(race(*copies(transfer, 16))))

    assert tally == Counter({"done": 16})
    assert (balance(a), balance(b)) == (1000, 1000)
    assert ledger_verify().ok
