"""Reading the ledger: balances and the audit that balances agree with history."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Sum

from linkmall.ledger.models import Bucket, Entry, LedgerAccount, Posting


def balance_of(*, owner_kind: str, owner_id: int, bucket: str) -> int:
    """The balance in fen of an owner's bucket; 0 when the account was never opened."""
    balance = (
        LedgerAccount.objects.filter(owner_kind=owner_kind, owner_id=owner_id, bucket=bucket)
        .values_list("balance_fen", flat=True)
        .first()
    )
    return balance or 0


def balances_of(*, owner_kind: str, owner_id: int) -> dict[str, int]:
    """Every bucket of an owner → its balance in fen (buckets never opened are absent)."""
    return dict(
        LedgerAccount.objects.filter(owner_kind=owner_kind, owner_id=owner_id).values_list("bucket", "balance_fen")
    )


def marketing_cost(*, owner_kind: str, owner_id: int, since: datetime | None = None,
                   until: datetime | None = None) -> int:
    """What an owner (a merchant, or the platform with owner_id 0) paid in discounts, in fen:
    minus the sum of its `marketing` entries in [since, until) (docs/specs/campaigns.md §2).
    Refunds bring it down by the refunded units' share, so a window sees the net cost. One query."""
    entries = Entry.objects.filter(account__owner_kind=owner_kind, account__owner_id=owner_id,
                                   account__bucket=Bucket.MARKETING)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    total = entries.aggregate(total=Sum("amount_fen"))["total"]
    return -(total or 0)


@dataclass(frozen=True)
class AccountMismatch:
    account_id: int
    code: str
    balance_fen: int
    entries_sum_fen: int


@dataclass(frozen=True)
class UnbalancedPosting:
    posting_id: str
    key: str
    entries_sum_fen: int
    entry_count: int


@dataclass
class LedgerReport:
    accounts_checked: int = 0
    postings_checked: int = 0
    mismatched_accounts: list[AccountMismatch] = field(default_factory=list)
    unbalanced_postings: list[UnbalancedPosting] = field(default_factory=list)
    #: sum of every balance; zero when the ledger as a whole balances
    total_balance_fen: int = 0

    @property
    def ok(self) -> bool:
        return not self.mismatched_accounts and not self.unbalanced_postings and self.total_balance_fen == 0


def ledger_verify() -> LedgerReport:
    """Audit: every balance equals the sum of its entries; every posting sums to zero.

    Three aggregate queries, independent of how the balances were maintained.
    """
    report = LedgerReport()
    sums = dict(Entry.objects.values("account_id").annotate(total=Sum("amount_fen")).values_list("account_id", "total"))
    for account in LedgerAccount.objects.order_by("pk"):
        report.accounts_checked += 1
        report.total_balance_fen += account.balance_fen
        entries_sum = sums.get(account.pk) or 0
        if entries_sum != account.balance_fen:
            report.mismatched_accounts.append(
                AccountMismatch(account.pk, account.code, account.balance_fen, entries_sum)
            )
    postings = Posting.objects.annotate(total=Sum("entries__amount_fen"), count=Count("entries")).values_list(
        "pk", "key", "total", "count", "line_count"
    )
    for pk, key, total, count, line_count in postings.order_by("created_at", "pk"):
        report.postings_checked += 1
        if (total or 0) != 0 or count < 2 or count != line_count:
            report.unbalanced_postings.append(UnbalancedPosting(str(pk), key, total or 0, count))
    return report
