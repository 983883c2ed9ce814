"""The invite and team graphs in the database.

Every change of either graph runs under one graph lock (a row lock on the engine switch): two
bindings that each look acyclic alone can close a cycle together through rows neither one
locks, so per-row locks are not enough. Bindings and entries are rare next to orders, and
reading recipients for rewards takes no lock.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction

from linkmall.accounts.models import User
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput
from linkmall.referral.engine import TeamEvent
from linkmall.referral.models import EngineSwitch, Promoter
from linkmall.referral.models import TeamEvent as TeamEventRow

BIND_CHANNELS = ("link", "qr", "card", "order", "poster", "seed")
MAX_ANCESTRY = 1_000_000


def graph_lock() -> EngineSwitch:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("graph_lock must run inside transaction.atomic()")
    EngineSwitch.objects.get_or_create(pk=1)
    return EngineSwitch.objects.select_for_update().get(pk=1)


def promoter_ensure(*, user_id: int) -> Promoter:
    promoter, _ = Promoter.objects.get_or_create(user_id=user_id)
    return promoter


def is_invite_ancestor(*, ancestor_id: int, of_user_id: int) -> bool:
    """Is `ancestor_id` on the referrer chain above `of_user_id`? One query, whatever the depth."""
    table = Promoter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE chain(uid, depth) AS (
                SELECT referrer_id, 1 FROM {table} WHERE user_id = %s
                UNION ALL
                SELECT p.referrer_id, chain.depth + 1 FROM {table} p
                JOIN chain ON p.user_id = chain.uid
                WHERE chain.uid IS NOT NULL AND chain.depth < %s
            )
            SELECT 1 FROM chain WHERE uid = %s LIMIT 1
            """,
            [of_user_id, MAX_ANCESTRY, ancestor_id],
        )
        return cursor.fetchone() is not None


def referral_bind(*, user: User, referrer: User, via: str) -> bool:
    """First-touch binding of `user` to `referrer`. Returns False when `user` already has one.

    Refused: binding oneself (`self_referral`) and closing a cycle (`referral_cycle`).
    """
    if via not in BIND_CHANNELS:
        raise InvalidInput(f"unknown binding channel {via!r}", detail={"via": via})
    if user.pk == referrer.pk:
        raise Conflict("You cannot refer yourself.", code="self_referral")
    with transaction.atomic():
        graph_lock()
        promoter_ensure(user_id=referrer.pk)
        promoter = Promoter.objects.select_for_update().filter(user_id=user.pk).first() or promoter_ensure(
            user_id=user.pk
        )
        if promoter.referrer_id is not None:
            return False
        if is_invite_ancestor(ancestor_id=user.pk, of_user_id=referrer.pk):
            raise Conflict("This referral would close a cycle.", code="referral_cycle",
                           detail={"user": user.pk, "referrer": referrer.pk})
        now = clock.now()
        Promoter.objects.filter(user_id=user.pk, referrer__isnull=True).update(
            referrer_id=referrer.pk, bound_via=via, bound_at=now
        )
        TeamEventRow.objects.create(user_id=user.pk, kind="bound", referrer_id=referrer.pk, detail=via, at=now)
        return True


class DbGraph:
    """The engine's Graph over Promoter rows, read through a cache and written back by `flush`."""

    def __init__(self) -> None:
        self._rows: dict[int, Promoter] = {}
        self._dirty: set[int] = set()

    def _row(self, user: int) -> Promoter:
        row = self._rows.get(user)
        if row is None:
            row = Promoter.objects.filter(user_id=user).first() or promoter_ensure(user_id=user)
            self._rows[user] = row
        return row

    def prefetch(self, user_ids: Iterable[int | None]) -> None:
        missing = [u for u in set(user_ids) if u is not None and u not in self._rows]
        for row in Promoter.objects.filter(user_id__in=missing):
            self._rows[row.user_id] = row

    def level(self, user: int) -> str:
        return self._row(user).level

    def referrer(self, user: int) -> int | None:
        return self._row(user).referrer_id

    def team_owner(self, user: int) -> int | None:
        return self._row(user).team_owner_id

    def origin_boss(self, user: int) -> int | None:
        return self._row(user).origin_boss_id

    def slots(self, user: int) -> int:
        return self._row(user).slots

    def _set(self, user: int, field: str, value: str | int | None) -> None:
        setattr(self._row(user), field, value)
        self._dirty.add(user)

    def set_level(self, user: int, level: str) -> None:
        self._set(user, "level", level)

    def set_team_owner(self, user: int, owner: int | None) -> None:
        self._set(user, "team_owner_id", owner)

    def set_origin_boss(self, user: int, boss: int | None) -> None:
        self._set(user, "origin_boss_id", boss)

    def set_slots(self, user: int, slots: int) -> None:
        self._set(user, "slots", slots)

    def flush(self, *, entered: dict[int, datetime] | None = None) -> None:
        for user, at in (entered or {}).items():
            self._row(user).entered_at = at
            self._dirty.add(user)
        for user in sorted(self._dirty):
            row = self._rows[user]
            row.save(update_fields=["level", "team_owner", "origin_boss", "slots", "entered_at"])
        self._dirty.clear()


def record_events(events: list[TeamEvent], *, order_id: int | None) -> None:
    now = clock.now()
    TeamEventRow.objects.bulk_create(
        TeamEventRow(user_id=e.user, kind=e.kind, team_owner_id=e.team_owner, referrer_id=e.referrer,
                     order_id=order_id, detail=e.detail, at=now)
        for e in events
    )
