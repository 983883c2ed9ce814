"""Row locks taken in primary-key order, so two transactions never wait on each other in a cycle.

On PostgreSQL this is SELECT … FOR UPDATE. SQLite has no row locks: its IMMEDIATE transactions
(see settings) serialize writers, which gives the same guarantee at database granularity.
"""

from collections.abc import Iterable
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction

_M = TypeVar("_M", bound=models.Model)


def lock_rows(queryset: models.QuerySet[_M], pks: Iterable[int] | None = None) -> list[_M]:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_rows must run inside transaction.atomic()")
    if pks is not None:
        queryset = queryset.filter(pk__in=sorted(set(pks)))
    return list(queryset.select_for_update().order_by("pk"))


def lock_one(queryset: models.QuerySet[_M], pk: int) -> _M:
    rows = lock_rows(queryset, [pk])
    if not rows:
        # the stubs give DoesNotExist to concrete models only; a queryset's model always is one
        does_not_exist: type[ObjectDoesNotExist] = queryset.model.DoesNotExist  # type: ignore[attr-defined]
        raise does_not_exist(f"{queryset.model.__name__} {pk} does not exist")
    return rows[0]
