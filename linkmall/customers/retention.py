"""Tracking retention: behaviour events older than the merchant's `retention_days` are deleted.

Purchases, profiles, notes and reminders are business records and stay; a visitor with no events
left, no consent and no linked account is an empty random key and goes too. Runs daily as a task
(`retention_purge_task`, which schedules its next run) or from `linkmall customers purge`.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef

from linkmall.core import clock
from linkmall.customers.models import CustomerSettings, Event, Visitor

DEFAULT_RETENTION_DAYS = CustomerSettings._meta.get_field("retention_days").default
#: merchants without settings share the default, deleted in one statement per chunk
CHUNK = 5000


def retention_days_for(merchant_id: int) -> int:
    days = CustomerSettings.objects.filter(merchant_id=merchant_id).values_list("retention_days", flat=True).first()
    return days or DEFAULT_RETENTION_DAYS


def _delete_chunked(queryset) -> int:
    deleted = 0
    while True:
        pks = list(queryset.values_list("pk", flat=True)[:CHUNK])
        if not pks:
            return deleted
        with transaction.atomic():
            deleted += Event.objects.filter(pk__in=pks).delete()[0]


def events_purge_expired() -> dict:
    """Delete expired events of every merchant, then empty visitors. Returns counts."""
    now = clock.now()
    custom = dict(CustomerSettings.objects.values_list("merchant_id", "retention_days"))
    events = 0
    for merchant_id, days in custom.items():
        events += _delete_chunked(Event.objects.filter(merchant_id=merchant_id,
                                                       occurred_at__lt=now - timedelta(days=days or 1)))
    default_cutoff = now - timedelta(days=DEFAULT_RETENTION_DAYS)
    events += _delete_chunked(
        Event.objects.filter(occurred_at__lt=default_cutoff).exclude(merchant_id__in=list(custom))
    )
    visitors = Visitor.objects.filter(
        user__isnull=True, consented_at__isnull=True, last_seen_at__lt=default_cutoff
    ).exclude(Exists(Event.objects.filter(visitor=OuterRef("pk")))).delete()[0]
    # a consented visitor whose traces have all expired keeps nothing worth a row either
    visitors += Visitor.objects.filter(
        user__isnull=True, last_seen_at__lt=now - timedelta(days=min([DEFAULT_RETENTION_DAYS, *custom.values()]))
    ).exclude(Exists(Event.objects.filter(visitor=OuterRef("pk")))).delete()[0]
    return {"events": events, "visitors": visitors}
