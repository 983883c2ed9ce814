"""Delayed work through Django Tasks, stored in the database with the business change.

`enqueue_after` stores a task to run at a business time. `run_due` runs, in this process, the
tasks whose time has come by `core.clock` — the scenario runner and tests use it after moving
the clock, and `db_worker` does the same in production against the real clock.
"""

import logging
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django_tasks import TaskResult, TaskResultStatus
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult, get_date_max

from linkmall.core import clock

logger = logging.getLogger("linkmall.tasks")


_P = ParamSpec("_P")
_T = TypeVar("_T")


def enqueue_after(task: Task[_P, _T], run_after: datetime | None, *args: _P.args, **kwargs: _P.kwargs) -> TaskResult[_T]:
    if run_after is not None:
        task = task.using(run_after=run_after)
    return task.enqueue(*args, **kwargs)


def _next_due() -> DBTaskResult[..., Any] | None:
    """The oldest due task, locked (a task another worker holds is skipped): first those whose
    time has come, then those enqueued to run at once. Two index lookups (core migration 0001)
    instead of sorting every waiting task."""
    ready = DBTaskResult.objects.select_for_update(skip_locked=True).filter(status=TaskResultStatus.READY)
    return (ready.filter(run_after__lte=clock.now()).order_by("run_after", "enqueued_at").first()
            or ready.filter(run_after=get_date_max()).order_by("enqueued_at").first())


def run_due(*, limit: int = 10_000) -> int:
    """Run every ready task due by `clock.now()`, oldest first. Returns how many ran."""
    ran = 0
    while ran < limit:
        with transaction.atomic():
            row = _next_due()
            if row is None:
                return ran
            row.claim("in-process")
        try:
            task = row.task
            result = row.task_result
            value = task.call(*result.args, **result.kwargs)
            row.set_successful(value)
        except Exception as exc:  # a failing task is recorded like db_worker does, and we go on
            logger.exception("task %s failed", row.task_path)
            row.set_failed(exc)
        ran += 1
    return ran
