"""Writing to the ledger: accounts, postings, reversals.

Every money movement is one posting whose lines sum to zero. A posting is idempotent on its
`key`: callers derive the key from the business event (e.g. `order:1042:paid`), so a retried
notification or task writes nothing twice.
"""

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Case, F, Q, Value, When

from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput
from linkmall.core.locking import lock_rows
from linkmall.ledger.models import ALLOWED_BUCKETS, PARTY_KINDS, Entry, LedgerAccount, Posting

MAX_LINES = 500


class Line(NamedTuple):
    """One line of a posting. Positive credits the account, negative debits it.

    `allow_negative=False` (the default) means this debit may not take the account below zero.
    """

    account: LedgerAccount
    amount_fen: int
    allow_negative: bool = False


LineLike = Line | tuple[LedgerAccount, int] | tuple[LedgerAccount, int, bool]


def account_get_or_create(*, owner_kind: str, owner_id: int, bucket: str) -> LedgerAccount:
    """The account of an owner's bucket, created at zero the first time it is asked for.

    System accounts (gateway:cash, payout:clearing) have owner_id 0.
    """
    _check_account_key(owner_kind, owner_id, bucket)
    # get_or_create retries the read after a unique violation, so racing callers share one row.
    account, _ = LedgerAccount.objects.get_or_create(owner_kind=owner_kind, owner_id=owner_id, bucket=bucket)
    return account


def _check_account_key(owner_kind: str, owner_id: int, bucket: str) -> None:
    if owner_kind not in ALLOWED_BUCKETS:
        raise InvalidInput(f"Unknown ledger owner kind {owner_kind!r}.", detail={"field": "owner_kind"})
    if bucket not in ALLOWED_BUCKETS[owner_kind]:
        raise InvalidInput(
            f"A {owner_kind} has no {bucket!r} bucket.",
            detail={"field": "bucket", "allowed": sorted(ALLOWED_BUCKETS[owner_kind])},
        )
    if isinstance(owner_id, bool) or not isinstance(owner_id, int) or owner_id < 0:
        raise InvalidInput("owner_id must be a whole number ≥ 0.", detail={"field": "owner_id"})
    if owner_kind in PARTY_KINDS and owner_id == 0:
        raise InvalidInput(f"A {owner_kind} account needs its owner's id.", detail={"field": "owner_id"})


def accounts_get_or_create(*, keys: Iterable[tuple[str, int, str]]) -> dict[tuple[str, int, str], LedgerAccount]:
    """Many accounts at once, {(owner_kind, owner_id, bucket): account}: one read when they all
    exist, and one insert plus one read for those that do not yet."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    for owner_kind, owner_id, bucket in wanted:
        _check_account_key(owner_kind, owner_id, bucket)

    def read() -> dict[tuple[str, int, str], LedgerAccount]:
        match = Q()
        for owner_kind, owner_id, bucket in wanted:
            match |= Q(owner_kind=owner_kind, owner_id=owner_id, bucket=bucket)
        return {(a.owner_kind, a.owner_id, a.bucket): a for a in LedgerAccount.objects.filter(match)}

    found = read()
    missing = [k for k in wanted if k not in found]
    if missing:
        # a racing creator of the same account is fine: the unique key keeps one row
        LedgerAccount.objects.bulk_create(
            [LedgerAccount(owner_kind=k[0], owner_id=k[1], bucket=k[2]) for k in missing], ignore_conflicts=True
        )
        found = read()
    return found


def posting_write(
    *,
    key: str,
    kind: str,
    memo: str = "",
    lines: Sequence[LineLike],
    reference: str = "",
    reverses: Posting | None = None,
) -> Posting:
    """Write one balanced posting and move the balances of its accounts, all or nothing.

    Same key and same kind and lines again → the posting already written (nothing changes).
    Same key with other lines → `Conflict(code="idempotency_key_reused")`.
    A guarded debit that would go below zero → `Conflict(code="insufficient_balance")`, nothing written.
    """
    key = _require_text(key, field="key", max_length=200)
    kind = _require_text(kind, field="kind", max_length=40)
    if not isinstance(memo, str):
        raise InvalidInput("memo must be text.", detail={"field": "memo"})
    if not isinstance(reference, str) or len(reference) > 64:
        raise InvalidInput("reference must be text of at most 64 characters.", detail={"field": "reference"})
    normalized = _normalize_lines(lines)
    fingerprint = _fingerprint(kind, normalized)

    existing = Posting.objects.filter(key=key).first()
    if existing is not None:
        return _replayed(existing, fingerprint)
    try:
        with transaction.atomic():
            return _write(
                key=key, kind=kind, memo=memo[:200], reference=reference, lines=normalized,
                fingerprint=fingerprint, reverses=reverses,
            )
    except IntegrityError:
        # Another transaction wrote this key between our check and our insert.
        existing = Posting.objects.filter(key=key).first()
        if existing is None:
            raise
        return _replayed(existing, fingerprint)


def posting_reverse(*, key: str, original: Posting, memo: str = "", allow_negative: bool = False) -> Posting:
    """Undo a posting by writing its entries negated. A posting is reversed at most once.

    Reversing takes money back from the accounts the original credited; unless `allow_negative`,
    that is refused with `insufficient_balance` when they no longer hold it (e.g. already withdrawn).
    """
    existing = Posting.objects.filter(key=key).first()
    if existing is None:
        already = Posting.objects.filter(reverses=original).first()
        if already is not None:
            raise Conflict(
                "This posting has already been reversed.",
                code="already_reversed",
                detail={"posting": str(original.pk), "reversed_by": already.key},
            )
    entries = list(original.entries.select_related("account").order_by("line_no"))
    lines = [Line(e.account, -e.amount_fen, allow_negative) for e in entries]
    try:
        return posting_write(
            key=key, kind="reversal", memo=memo or f"reverses {original.key}"[:200], lines=lines,
            reference=original.reference, reverses=original,
        )
    except IntegrityError:
        # the one-to-one on `reverses` lost a race with another reversal under a different key
        raise Conflict("This posting has already been reversed.", code="already_reversed",
                       detail={"posting": str(original.pk)}) from None


# --- internals ---------------------------------------------------------------------------------


class _Normalized(NamedTuple):
    account_id: int
    amount_fen: int
    allow_negative: bool


def _require_text(value: str, *, field: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} is required.", detail={"field": field})
    if len(value) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters.", detail={"field": field})
    return value


def _normalize_lines(lines: Sequence[LineLike]) -> list[_Normalized]:
    if not isinstance(lines, Sequence) or isinstance(lines, str | bytes):
        raise InvalidInput("lines must be a list of (account, amount_fen[, allow_negative]).",
                           detail={"field": "lines"})
    if len(lines) < 2 or len(lines) > MAX_LINES:
        raise InvalidInput(f"A posting needs 2 to {MAX_LINES} lines.", detail={"field": "lines", "count": len(lines)})
    normalized = []
    for index, raw in enumerate(lines):
        try:
            line = raw if isinstance(raw, Line) else Line(*raw)
        except TypeError:
            raise InvalidInput("Each line is (account, amount_fen[, allow_negative]).",
                               detail={"field": "lines", "line": index}) from None
        if not isinstance(line.account, LedgerAccount) or line.account.pk is None:
            raise InvalidInput("Each line needs a saved ledger account.", detail={"field": "lines", "line": index})
        amount = line.amount_fen
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise InvalidInput("Each line's amount must be a non-zero whole number of fen.",
                               detail={"field": "lines", "line": index})
        normalized.append(_Normalized(line.account.pk, amount, bool(line.allow_negative)))
    total = sum(n.amount_fen for n in normalized)
    if total != 0:
        raise InvalidInput("The lines of a posting must sum to zero.", code="unbalanced_posting",
                           detail={"field": "lines", "sum_fen": total})
    return normalized


def _fingerprint(kind: str, lines: Iterable[_Normalized]) -> str:
    canonical = kind + "|" + ";".join(f"{a}:{n}" for a, n in sorted((x.account_id, x.amount_fen) for x in lines))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replayed(existing: Posting, fingerprint: str) -> Posting:
    if existing.fingerprint != fingerprint:
        raise Conflict(
            "This idempotency key was already used for a different posting.",
            code="idempotency_key_reused",
            detail={"key": existing.key},
        )
    return existing


def _write(
    *, key: str, kind: str, memo: str, reference: str, lines: list[_Normalized], fingerprint: str,
    reverses: Posting | None,
) -> Posting:
    deltas: dict[int, int] = {}
    guarded: dict[int, bool] = {}
    for line in lines:
        deltas[line.account_id] = deltas.get(line.account_id, 0) + line.amount_fen
        # one line that must not overdraw is enough to guard the account's net change
        guarded[line.account_id] = guarded.get(line.account_id, False) or not line.allow_negative

    accounts = {a.pk: a for a in lock_rows(LedgerAccount.objects.all(), deltas)}
    missing = set(deltas) - set(accounts)
    if missing:
        raise InvalidInput("A line names an account that does not exist.", detail={"accounts": sorted(missing)})

    # The locks serialize writers of the same accounts: a concurrent writer of this key is done now.
    existing = Posting.objects.filter(key=key).first()
    if existing is not None:
        return _replayed(existing, fingerprint)

    _move_balances(accounts, deltas, guarded)

    now = clock.now()
    posting_id = uuid.uuid4()
    # Entries first, then the posting row that seals them (the database checks the sum on its insert).
    Entry.objects.bulk_create(
        Entry(posting_id=posting_id, account_id=line.account_id, amount_fen=line.amount_fen, line_no=number,
              created_at=now)
        for number, line in enumerate(lines, start=1)
    )
    return Posting.objects.create(
        id=posting_id, key=key, kind=kind, memo=memo, reference=reference, line_count=len(lines),
        fingerprint=fingerprint, reverses=reverses, created_at=now,
    )


def _move_balances(accounts: dict[int, LedgerAccount], deltas: dict[int, int], guarded: dict[int, bool]) -> None:
    """Every balance of the posting in one guarded UPDATE.

    Each account gets a floor in the WHERE clause: a guarded debit of d needs balance ≥ d, the
    others need nothing. If fewer rows changed than were named, one of them would have gone
    below zero: the caller's transaction rolls the whole posting back.
    """
    ids = [account_id for account_id in sorted(deltas) if deltas[account_id]]
    if not ids:
        return
    delta = Case(*(When(pk=i, then=Value(deltas[i])) for i in ids), output_field=BigIntegerField())
    floor = Case(
        *(When(pk=i, then=Value(-deltas[i] if guarded[i] and deltas[i] < 0 else NO_FLOOR)) for i in ids),
        output_field=BigIntegerField(),
    )
    changed = (LedgerAccount.objects.filter(pk__in=ids).alias(floor=floor).filter(balance_fen__gte=F("floor"))
               .update(balance_fen=F("balance_fen") + delta))
    if changed == len(ids):
        return
    balances = dict(LedgerAccount.objects.filter(pk__in=ids).values_list("pk", "balance_fen"))
    short = next(i for i in ids if guarded[i] and deltas[i] < 0 and balances[i] < -deltas[i])
    raise Conflict(
        "The account does not hold enough money.",
        code="insufficient_balance",
        detail={"account": accounts[short].code, "balance_fen": balances[short], "debit_fen": -deltas[short]},
    )


#: "no floor" for an unguarded line: lower than any balance can be
NO_FLOOR = -(2**62)
