"""Small builders for ledger tests. Behaviour under test always goes through the services."""

from linkmall.ledger.models import Entry, LedgerAccount, Posting
from linkmall.ledger.services import Line, account_get_or_create, posting_write

_funding = iter(range(1, 10**9))


def account(owner_kind: str = "supplier", owner_id: int = 1, bucket: str = "available") -> LedgerAccount:
    return account_get_or_create(owner_kind=owner_kind, owner_id=owner_id, bucket=bucket)


def gateway_cash() -> LedgerAccount:
    return account_get_or_create(owner_kind="gateway", owner_id=0, bucket="cash")


def fund(target: LedgerAccount, fen: int) -> Posting:
    """Money in from the gateway straight into `target` (the gateway side may go negative)."""
    return posting_write(
        key=f"test-funding-{next(_funding)}", kind="test_funding",
        lines=[Line(gateway_cash(), -fen, True), Line(target, fen)],
    )


def balance(target: LedgerAccount) -> int:
    return LedgerAccount.objects.values_list("balance_fen", flat=True).get(pk=target.pk)


def ledger_state() -> tuple:
    """Everything a refused write must leave untouched."""
    return (
        Posting.objects.count(),
        Entry.objects.count(),
        tuple(LedgerAccount.objects.order_by("pk").values_list("pk", "balance_fen")),
    )
