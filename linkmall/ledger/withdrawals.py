"""Withdrawals (提现): available earnings out to the owner, through staff review and a transfer.

Money moves in two postings: on request the amount leaves `available` at once (a guarded debit,
so two requests can never spend the same fen, and a debt — a negative balance after a clawback —
blocks every withdrawal until later earnings cover it) into `payout:clearing`, the fee to the
platform; when the transfer succeeds it lands in the owner's `withdrawn`. A rejected or failed
withdrawal is reversed in full.
"""

from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role, require_tenant
from linkmall.core import clock
from linkmall.core.conf import linkmall_int
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.core.locking import lock_one
from linkmall.core.money import fen_to_yuan, percent_of
from linkmall.ledger.models import Bucket, OwnerKind, Posting, Withdrawal
from linkmall.ledger.payouts import payout_adapter
from linkmall.ledger.services import Line, account_get_or_create, posting_reverse, posting_write

WITHDRAWING_KINDS = (OwnerKind.PROMOTER, OwnerKind.SUPPLIER, OwnerKind.MERCHANT)


def _check_owner(actor: User, owner_kind: str, owner_id: int) -> None:
    if owner_kind not in WITHDRAWING_KINDS:
        raise InvalidInput(f"A {owner_kind} cannot withdraw.", detail={"field": "owner_kind"})
    if owner_kind == OwnerKind.PROMOTER:
        if actor.role != Role.PLATFORM and actor.pk != owner_id:
            raise NotFound("No such account.")
        return
    require_role(actor, Role.SUPPLIER_STAFF if owner_kind == OwnerKind.SUPPLIER else Role.MERCHANT_OWNER,
                 Role.PLATFORM)
    require_tenant(actor, owner_id, what="account")


def withdrawal_fee(amount_fen: int) -> int:
    return percent_of(amount_fen, Decimal(str(settings.LINKMALL["WITHDRAWAL_FEE_PERCENT"])))


def withdrawal_request(*, actor: User, owner_kind: str, owner_id: int, amount_fen: int, key: str) -> Withdrawal:
    """Ask to withdraw `amount_fen` of available earnings. Idempotent on `key`."""
    _check_owner(actor, owner_kind, owner_id)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise InvalidInput("The amount must be a positive number of fen.", detail={"field": "amount"})
    minimum = linkmall_int("WITHDRAWAL_MIN_FEN")
    if amount_fen < minimum:
        raise InvalidInput(f"At least {fen_to_yuan(minimum)} per withdrawal.", code="below_minimum",
                           detail={"minimum": fen_to_yuan(minimum)})
    if not isinstance(key, str) or not 1 <= len(key) <= 100:
        raise InvalidInput("key must be 1 to 100 characters.", detail={"field": "key"})
    existing = Withdrawal.objects.filter(key=key).first()
    if existing is not None:
        return _same_request(existing, owner_kind, owner_id, amount_fen)
    fee = withdrawal_fee(amount_fen)
    if fee >= amount_fen:
        raise InvalidInput("The amount does not cover the fee.", code="below_minimum")
    try:
        with transaction.atomic():
            withdrawal = Withdrawal.objects.create(owner_kind=owner_kind, owner_id=owner_id, key=key,
                                                   amount_fen=amount_fen, fee_fen=fee, requested_by=actor)
            lines = [
                Line(account_get_or_create(owner_kind=owner_kind, owner_id=owner_id, bucket=Bucket.AVAILABLE),
                     -amount_fen),
                Line(account_get_or_create(owner_kind=OwnerKind.PAYOUT, owner_id=0, bucket=Bucket.CLEARING),
                     amount_fen - fee),
            ]
            if fee:
                lines.append(Line(account_get_or_create(owner_kind=OwnerKind.PLATFORM, owner_id=0,
                                                        bucket=Bucket.AVAILABLE), fee))
            posting_write(key=f"withdrawal:{withdrawal.pk}:request", kind="withdrawal_request",
                          memo=f"withdrawal {withdrawal.pk} requested", lines=lines,
                          reference=f"withdrawal:{withdrawal.pk}")
    except IntegrityError:
        existing = Withdrawal.objects.filter(key=key).first()
        if existing is None:
            raise
        return _same_request(existing, owner_kind, owner_id, amount_fen)
    return withdrawal


def _same_request(existing: Withdrawal, owner_kind: str, owner_id: int, amount_fen: int) -> Withdrawal:
    if (existing.owner_kind, existing.owner_id, existing.amount_fen) != (owner_kind, owner_id, amount_fen):
        raise Conflict("This key was used for another withdrawal.", code="idempotency_key_reused")
    return existing


def _reverse_request(withdrawal: Withdrawal, why: str) -> None:
    original = Posting.objects.get(key=f"withdrawal:{withdrawal.pk}:request")
    posting_reverse(key=f"withdrawal:{withdrawal.pk}:{why}", original=original, memo=f"withdrawal {why}",
                    allow_negative=True)


def withdrawal_approve(*, actor: User, withdrawal: Withdrawal) -> Withdrawal:
    """Staff approve: the transfer adapter pays; the money lands in `withdrawn`, or comes back."""
    require_role(actor, Role.PLATFORM)
    with transaction.atomic():
        withdrawal = lock_one(Withdrawal.objects.all(), withdrawal.pk)
        if withdrawal.status != Withdrawal.Status.REQUESTED:
            raise Conflict("This withdrawal was already decided.", code="withdrawal_decided",
                           detail={"status": withdrawal.status})
        result = payout_adapter().transfer(out_no=withdrawal.key, owner_kind=withdrawal.owner_kind,
                                           owner_id=withdrawal.owner_id, amount_fen=withdrawal.net_fen)
        withdrawal.reviewed_by, withdrawal.reviewed_at = actor, clock.now()
        if result.ok:
            posting_write(
                key=f"withdrawal:{withdrawal.pk}:paid", kind="withdrawal_paid", memo=f"withdrawal {withdrawal.pk} paid",
                reference=f"withdrawal:{withdrawal.pk}",
                lines=[
                    Line(account_get_or_create(owner_kind=OwnerKind.PAYOUT, owner_id=0, bucket=Bucket.CLEARING),
                         -withdrawal.net_fen),
                    Line(account_get_or_create(owner_kind=withdrawal.owner_kind, owner_id=withdrawal.owner_id,
                                               bucket=Bucket.WITHDRAWN), withdrawal.net_fen),
                ],
            )
            withdrawal.status, withdrawal.transfer_id = Withdrawal.Status.PAID, result.transfer_id
        else:
            _reverse_request(withdrawal, "failed")
            withdrawal.status, withdrawal.note = Withdrawal.Status.FAILED, result.message[:200]
        withdrawal.save(update_fields=["status", "transfer_id", "note", "reviewed_by", "reviewed_at"])
    return withdrawal


def withdrawal_reject(*, actor: User, withdrawal: Withdrawal, reason: str) -> Withdrawal:
    require_role(actor, Role.PLATFORM)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the withdrawal is rejected.", detail={"field": "reason"})
    with transaction.atomic():
        withdrawal = lock_one(Withdrawal.objects.all(), withdrawal.pk)
        if withdrawal.status != Withdrawal.Status.REQUESTED:
            raise Conflict("This withdrawal was already decided.", code="withdrawal_decided",
                           detail={"status": withdrawal.status})
        _reverse_request(withdrawal, "rejected")
        withdrawal.status, withdrawal.note = Withdrawal.Status.REJECTED, reason[:200]
        withdrawal.reviewed_by, withdrawal.reviewed_at = actor, clock.now()
        withdrawal.save(update_fields=["status", "note", "reviewed_by", "reviewed_at"])
    return withdrawal
