"""The one source of "now". Tests and scenarios move it; production reads the real clock.

The offset is process-wide on purpose: a scenario run moves time for every service it calls.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.utils import timezone

_lock = threading.Lock()
_frozen: datetime | None = None
_offset = timedelta(0)


def now() -> datetime:
    if _frozen is not None:
        return _frozen
    return timezone.now() + _offset


def today() -> date:
    """Today in the business time zone (Asia/Shanghai), by this clock: the day statements, reports
    and sign-ins count in. Never `now().date()`, which is the UTC day (wrong from 00:00 to 08:00)."""
    return timezone.localdate(now())


def freeze(at: datetime) -> None:
    """Stop the clock at `at` (aware datetime) until `advance` or `reset`."""
    global _frozen
    if timezone.is_naive(at):
        raise ValueError("clock.freeze needs an aware datetime")
    with _lock:
        _frozen = at


def advance(delta: timedelta) -> datetime:
    global _frozen, _offset
    with _lock:
        if _frozen is not None:
            _frozen = _frozen + delta
        else:
            _offset += delta
    return now()


def reset() -> None:
    global _frozen, _offset
    with _lock:
        _frozen = None
        _offset = timedelta(0)


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    freeze(at)
    try:
        yield
    finally:
        reset()
