"""Reads behind the ledger pages: the withdrawal review queue with owners and balances.

A page of the queue costs the same five queries whatever its length: count, the page, the
users, the tenants and every owner's accounts at once.
"""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from linkmall.accounts.models import Tenant, User
from linkmall.ledger.models import LedgerAccount, OwnerKind, Withdrawal


def withdrawal_queue(*, status: str = "") -> QuerySet[Withdrawal]:
    """Withdrawals, oldest first (the fairest order to review), optionally of one status."""
    queryset = Withdrawal.objects.select_related("requested_by", "reviewed_by").order_by("requested_at", "pk")
    return queryset.filter(status=status) if status else queryset


@dataclass
class QueueRow:
    withdrawal: Withdrawal
    owner_label: str
    balances: dict[str, int] = field(default_factory=dict)


def owner_labels(withdrawals: list[Withdrawal]) -> dict[tuple[str, int], str]:
    """(owner_kind, owner_id) → a name staff recognise: a promoter's name and phone, a tenant's name."""
    user_ids = {w.owner_id for w in withdrawals if w.owner_kind == OwnerKind.PROMOTER}
    tenant_ids = {w.owner_id for w in withdrawals if w.owner_kind in (OwnerKind.SUPPLIER, OwnerKind.MERCHANT)}
    labels: dict[tuple[str, int], str] = {}
    if user_ids:
        for user in User.objects.filter(pk__in=user_ids).only("pk", "username", "display_name", "phone"):
            name = user.display_name or user.username
            labels[(OwnerKind.PROMOTER, user.pk)] = f"{name} {user.phone}" if user.phone else name
    if tenant_ids:
        for tenant in Tenant.objects.filter(pk__in=tenant_ids).only("pk", "kind", "name"):
            labels[(tenant.kind, tenant.pk)] = tenant.name
    return labels


def owner_balances(withdrawals: list[Withdrawal]) -> dict[tuple[str, int], dict[str, int]]:
    """Every bucket balance of every owner named in `withdrawals`, in one query."""
    by_kind: dict[str, set[int]] = {}
    for w in withdrawals:
        by_kind.setdefault(w.owner_kind, set()).add(w.owner_id)
    if not by_kind:
        return {}
    lookup = Q()
    for kind, ids in by_kind.items():
        lookup |= Q(owner_kind=kind, owner_id__in=ids)
    balances: dict[tuple[str, int], dict[str, int]] = {}
    for kind, owner_id, bucket, balance in LedgerAccount.objects.filter(lookup).values_list(
            "owner_kind", "owner_id", "bucket", "balance_fen"):
        balances.setdefault((kind, owner_id), {})[bucket] = balance
    return balances


def queue_rows(withdrawals: list[Withdrawal]) -> list[QueueRow]:
    labels = owner_labels(withdrawals)
    balances = owner_balances(withdrawals)
    return [
        QueueRow(w, labels.get((w.owner_kind, w.owner_id), f"{w.owner_kind}:{w.owner_id}"),
                 balances.get((w.owner_kind, w.owner_id), {}))
        for w in withdrawals
    ]
