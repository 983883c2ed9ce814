"""Importing historical customers and purchases: one row, one transaction, never twice.

A row with any error writes nothing. A row already imported (same merchant and order id) is
skipped, so re-running a file changes nothing. An existing phone is the same consumer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from linkmall.accounts.models import User
from linkmall.accounts.services import consumer_get_or_create
from linkmall.core.errors import DomainError
from linkmall.customers.importing.reader import Row
from linkmall.customers.models import Profile, Purchase
from linkmall.customers.tracking import _rescore_later, profile_touch


@dataclass
class ImportReport:
    rows: int = 0
    customers_created: int = 0
    purchases_created: int = 0
    purchases_skipped: int = 0  # already imported before
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, message)

    def as_dict(self) -> dict:
        return {"rows": self.rows, "customers_created": self.customers_created,
                "purchases_created": self.purchases_created, "purchases_skipped": self.purchases_skipped,
                "errors": len(self.errors)}


def _occurred_at(row: Row) -> datetime:
    # a POS export has the day only; noon local time keeps it on that day in every report
    assert row.day is not None  # parse() gives every order row without errors its day
    return timezone.make_aware(datetime.combine(row.day, time(12, 0)))


def import_row(*, merchant_id: int, row: Row, report: ImportReport) -> None:
    if row.errors:
        report.errors.extend((row.line, column, message) for column, message in row.errors)
        return
    try:
        with transaction.atomic():
            existed = User.objects.filter(phone=row.phone).exists()
            user = consumer_get_or_create(phone=row.phone, display_name=row.name)
            if row.has_order:
                at = _occurred_at(row)
                profile = profile_touch(merchant_id=merchant_id, user=user, seen_at=at)
                Profile.objects.filter(pk=profile.pk, first_seen_at__gt=at).update(first_seen_at=at)
            else:
                # a customer without orders was not "seen" today: leave last_seen empty
                profile, _ = Profile.objects.get_or_create(merchant_id=merchant_id, user=user)
            updates: dict[str, Any] = {}
            if row.name and not profile.name:
                updates["name"] = row.name
            if row.birthday and not profile.birthday:
                updates["birthday"] = row.birthday
            if updates:
                Profile.objects.filter(pk=profile.pk).update(**updates)
            created_purchase = False
            if row.has_order:
                assert row.amount_fen is not None  # parse() gives every order row without errors its amount
                _, created_purchase = Purchase.objects.get_or_create(
                    merchant_id=merchant_id, source=Purchase.Source.IMPORT, reference=row.order_id,
                    defaults={"user": user, "amount_fen": row.amount_fen, "occurred_at": _occurred_at(row)},
                )
            if created_purchase or not existed:
                _rescore_later(merchant_id=merchant_id, user_id=user.pk)
    except DomainError as exc:  # e.g. the phone belongs to a staff account
        report.errors.append((row.line, "phone", _message(exc)))
        return
    except IntegrityError:  # another import of the same order won the race: it stands
        report.purchases_skipped += 1
        return
    report.customers_created += 0 if existed else 1
    if row.has_order:
        if created_purchase:
            report.purchases_created += 1
        else:
            report.purchases_skipped += 1


def _message(exc: DomainError) -> str:
    return {"phone_taken": "这个手机号属于员工账号，不能作为客户导入"}.get(exc.code, exc.message)


def import_rows(*, merchant_id: int, rows: Iterable[Row], progress: Callable[[int], None] | None = None
                ) -> ImportReport:
    report = ImportReport()
    for row in rows:
        report.rows += 1
        import_row(merchant_id=merchant_id, row=row, report=report)
        if progress:
            progress(1)
    return report
