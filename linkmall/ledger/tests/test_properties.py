"""Property: whatever postings are tried, every balance equals the sum of its entries, the whole
ledger sums to zero, guarded accounts never go below zero, and a refused posting changes nothing."""

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from linkmall.core.errors import Conflict
from linkmall.ledger.models import Entry, LedgerAccount, Posting
from linkmall.ledger.selectors import ledger_verify
from linkmall.ledger.services import Line, posting_reverse, posting_write

ACCOUNTS = [
    ("gateway", 0, "cash"),
    ("supplier", 1, "pending"),
    ("supplier", 1, "available"),
    ("merchant", 2, "available"),
    ("promoter", 3, "pending"),
    ("platform", 0, "available"),
]

# a posting: some (account index, amount, allow_negative) lines; a last line on another account balances it
line = st.tuples(st.integers(0, len(ACCOUNTS) - 1), st.integers(-50_000, 50_000).filter(bool), st.booleans())
posting = st.tuples(st.lists(line, min_size=1, max_size=4), st.integers(0, len(ACCOUNTS) - 1), st.booleans())
action = st.one_of(
    st.tuples(st.just("write"), posting),
    st.tuples(st.just("replay"), st.integers(0, 100)),
    st.tuples(st.just("reverse"), st.integers(0, 100)),
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(actions=st.lists(action, min_size=1, max_size=12))
def test_random_postings_keep_every_balance_equal_to_its_entries_and_the_ledger_balanced(actions) -> None:
    with transaction.atomic():
        accounts = [
            LedgerAccount.objects.get_or_create(owner_kind=k, owner_id=i, bucket=b)[0] for k, i, b in ACCOUNTS
        ]
        expected = [0] * len(accounts)
        written: list[tuple[str, list[Line]]] = []
        reversed_keys: set[str] = set()

        for n, (verb, arg) in enumerate(actions):
            before = (Posting.objects.count(), list(expected))
            if verb == "write":
                raw_lines, closer, closer_may_go_negative = arg
                lines = [Line(accounts[i], amount, may) for i, amount, may in raw_lines]
                rest = -sum(amount for _, amount, _ in raw_lines)
                if rest == 0:
                    continue
                lines.append(Line(accounts[closer], rest, closer_may_go_negative))
                key = f"p{n}"
                change = _net(lines, accounts)
                if _overdraws(lines, change, expected, accounts):
                    with pytest.raises(Conflict) as refused:
                        posting_write(key=key, kind="transfer", lines=lines)
                    assert refused.value.code == "insufficient_balance"
                    assert (Posting.objects.count(), expected) == before
                else:
                    posting_write(key=key, kind="transfer", lines=lines)
                    expected = [e + c for e, c in zip(expected, change, strict=True)]
                    written.append((key, lines))
            elif verb == "replay" and written:
                key, lines = written[arg % len(written)]
                posting_write(key=key, kind="transfer", lines=lines)
                assert Posting.objects.count() == before[0]
            elif verb == "reverse" and written:
                key, lines = written[arg % len(written)]
                if key in reversed_keys:
                    continue
                negated = [Line(ln.account, -ln.amount_fen, ln.allow_negative) for ln in lines]
                change = _net(negated, accounts)
                original = Posting.objects.get(key=key)
                # a reversal guards every account it debits unless told otherwise
                guarded = [Line(ln.account, ln.amount_fen, False) for ln in negated]
                if _overdraws(guarded, change, expected, accounts):
                    with pytest.raises(Conflict):
                        posting_reverse(key=f"undo-{key}", original=original)
                    assert Posting.objects.count() == before[0]
                else:
                    posting_reverse(key=f"undo-{key}", original=original)
                    expected = [e + c for e, c in zip(expected, change, strict=True)]
                    reversed_keys.add(key)

            balances = [LedgerAccount.objects.values_list("balance_fen", flat=True).get(pk=a.pk) for a in accounts]
            assert balances == expected

        report = ledger_verify()
        assert report.ok, report
        assert sum(Entry.objects.values_list("amount_fen", flat=True)) == 0
        transaction.set_rollback(True)


def _net(lines: list[Line], accounts: list[LedgerAccount]) -> list[int]:
    index_of = {a.pk: n for n, a in enumerate(accounts)}
    change = [0] * len(accounts)
    for ln in lines:
        change[index_of[ln.account.pk]] += ln.amount_fen
    return change


def _overdraws(lines: list[Line], change: list[int], balances: list[int], accounts: list[LedgerAccount]) -> bool:
    """The model of the rule: an account that a line guards may not be debited below zero (net per posting)."""
    guarded_pks = {ln.account.pk for ln in lines if not ln.allow_negative}
    return any(
        change[n] < 0 and balances[n] + change[n] < 0 and account.pk in guarded_pks
        for n, account in enumerate(accounts)
    )
