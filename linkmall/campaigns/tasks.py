"""The campaigns app's delayed work: thin and idempotent, each task calls one service."""

from datetime import timedelta

from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from linkmall.campaigns.services import coupons_expire
from linkmall.core import clock
from linkmall.core.tasks import enqueue_after


@task()
def coupons_expire_task() -> int:
    """Mark unused coupons past their end as expired, then book tomorrow's run (once, however
    often this runs). Returns how many expired."""
    expired = coupons_expire()
    coupons_expire_schedule()
    return expired


def coupons_expire_schedule() -> bool:
    """Keep one pending daily run, a day from now. Returns whether this call booked it.

    Called by the task itself (its own row is running, not ready, so the next one is added) and by
    `linkmall coupons expire --schedule` at deployment; a second call finds the pending run and adds none.
    """
    pending = DBTaskResult.objects.filter(task_path=coupons_expire_task.module_path, status=TaskResultStatus.READY)
    if pending.exists():
        return False
    enqueue_after(coupons_expire_task, clock.now() + timedelta(days=1))
    return True
