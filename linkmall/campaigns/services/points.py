"""Points: a buyer's balance at a merchant and its append-only history.

Every change writes one history row, unique by (account, key), so a repeat finds it and changes
nothing, and moves the balance with one guarded `UPDATE … SET balance = balance + d WHERE
balance + d >= 0` that must change exactly one row. Spending more than the balance is
`points_insufficient` and changes nothing.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from linkmall.accounts.models import User
from linkmall.campaigns.models import PointsAccount, PointsEntry
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput
from linkmall.stores.models import Merchant

MAX_POINTS = 10**12
MAX_KEY = 100


def points_grant(*, user: User, merchant: Merchant, points: int, key: str, reason: str,
                 expires_at: datetime | None = None) -> PointsEntry:
    """Add points to the user's balance at the merchant (opening it on first use)."""
    return _move(user=user, merchant=merchant, delta=_positive(points), kind=PointsEntry.Reason.GRANT, key=key, reason=reason,
                 expires_at=expires_at)


def points_spend(*, buyer: User, merchant: Merchant, points: int, key: str) -> None:
    """Take points off the buyer's balance (checkout, inside the order's transaction)."""
    _move(user=buyer, merchant=merchant, delta=-_positive(points), kind=PointsEntry.Reason.SPEND, key=key,
          reason="")


def points_return(*, buyer: User, merchant: Merchant, points: int, key: str) -> None:
    """Give spent points back (an unpaid order cancelled or expired, refunded units): a new history row."""
    _move(user=buyer, merchant=merchant, delta=_positive(points), kind=PointsEntry.Reason.RETURN, key=key, reason="")


def points_change(*, user: User, merchant: Merchant, delta: int, kind: str, key: str, reason: str,
                  expires_at: datetime | None = None) -> PointsEntry:
    """A change of one of loyalty's kinds (earn, signin, takeback, expire) through the same guarded,
    idempotent move; `delta` is signed."""
    sign = 1 if kind in (PointsEntry.Reason.EARN, PointsEntry.Reason.SIGNIN) else -1
    if kind not in (PointsEntry.Reason.EARN, PointsEntry.Reason.SIGNIN, PointsEntry.Reason.TAKEBACK,
                    PointsEntry.Reason.EXPIRE):
        raise InvalidInput("Not a loyalty kind of points change.", detail={"field": "kind"})
    return _move(user=user, merchant=merchant, delta=sign * _positive(sign * delta), kind=kind, key=key,
                 reason=reason, expires_at=expires_at)


def _positive(points: int) -> int:
    if isinstance(points, bool) or not isinstance(points, int) or not 0 < points <= MAX_POINTS:
        raise InvalidInput("points must be a whole number above 0.", detail={"field": "points"})
    return points


def _move(*, user: User, merchant: Merchant, delta: int, kind: str, key: str, reason: str,
          expires_at: datetime | None = None) -> PointsEntry:
    if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY:
        raise InvalidInput(f"A key has 1 to {MAX_KEY} characters.", detail={"field": "key"})
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _move_once(user=user, merchant=merchant, delta=delta, kind=kind, key=key,
                                  reason=reason[:100], expires_at=expires_at)
        except IntegrityError:
            # the account was opened, or the same key written, by a concurrent call: look again
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _move_once(*, user: User, merchant: Merchant, delta: int, kind: str, key: str, reason: str,
               expires_at: datetime | None) -> PointsEntry:
    account = PointsAccount.objects.filter(user=user, merchant=merchant).first()
    if account is None:
        if delta < 0:
            raise Conflict("You do not have that many points.", code="points_insufficient",
                           detail={"points": -delta, "held": 0})
        account = PointsAccount.objects.create(user=user, merchant=merchant, created_at=clock.now())
    existing = PointsEntry.objects.filter(account=account, key=key).first()
    if existing is not None:
        if (existing.delta, existing.kind) != (delta, kind):
            raise Conflict("This key was used for another points change.", code="idempotency_key_reused",
                           detail={"key": key})
        return existing
    entry = PointsEntry.objects.create(account=account, delta=delta, kind=kind, reason=reason, key=key,
                                       created_at=clock.now(), expires_at=expires_at)
    rows = PointsAccount.objects.filter(pk=account.pk)
    if delta < 0:
        rows = rows.filter(balance__gte=-delta)
    if rows.update(balance=F("balance") + delta) != 1:
        held = PointsAccount.objects.filter(pk=account.pk).values_list("balance", flat=True).get()
        raise Conflict("You do not have that many points.", code="points_insufficient",
                       detail={"points": -delta, "held": held})
    return entry
