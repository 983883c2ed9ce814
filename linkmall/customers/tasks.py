"""Background customer work. Thin and idempotent: each task calls one service."""

from datetime import timedelta

from django_tasks import TaskResultStatus, task

from linkmall.core import clock
from linkmall.core.tasks import enqueue_after


@task()
def retention_purge_task() -> dict:
    """Delete expired tracking data, refresh automatic tags and interests of yesterday's customers,
    then book tomorrow's run (once, however often this runs)."""
    from linkmall.customers.crm.services import profiles_refresh_recent
    from linkmall.customers.retention import events_purge_expired

    counts = events_purge_expired()
    counts["profiles"] = profiles_refresh_recent(since=clock.now() - timedelta(days=1, hours=1))
    retention_schedule()
    return counts


def retention_schedule() -> bool:
    """Book the next daily purge unless one is already waiting. True if this call booked it."""
    from django_tasks_db.models import DBTaskResult

    path = f"{retention_purge_task.module_path}"
    if DBTaskResult.objects.filter(task_path=path, status=TaskResultStatus.READY).exists():
        return False
    enqueue_after(retention_purge_task, clock.now() + timedelta(days=1))
    return True
