"""The campaigns app's delayed work: thin and idempotent, each task calls one service."""

from datetime import timedelta

from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from linkmall.campaigns.services import coupons_expire
from linkmall.campaigns.services.loyalty import points_expire
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


@task()
def layer_offers_deliver_task(merchant_id: int | None = None) -> dict[str, int]:
    """Deliver the layer actions' outreach not delivered yet (coupons, early access). The daily
    run (no merchant) books tomorrow's; the console's "deliver now" runs one merchant's at once."""
    from linkmall.campaigns.services.layer_offers import layer_offers_deliver

    counts = layer_offers_deliver(merchant_id=merchant_id)
    if merchant_id is None:
        layer_offers_deliver_schedule()
    return counts


def layer_offers_deliver_schedule() -> bool:
    """Keep one pending daily delivery run, a day from now (like `coupons_expire_schedule`); called
    by the task and by `linkmall layer_offers deliver --schedule`. Returns whether it booked one."""
    pending = DBTaskResult.objects.filter(task_path=layer_offers_deliver_task.module_path,
                                          status=TaskResultStatus.READY)
    if pending.exists():
        return False
    enqueue_after(layer_offers_deliver_task, clock.now() + timedelta(days=1))
    return True


@task()
def points_expire_task() -> int:
    """Write off what is left of expired points lots, then book tomorrow's run (once). Returns the
    points expired."""
    expired = points_expire()
    points_expire_schedule()
    return expired


def points_expire_schedule() -> bool:
    """Keep one pending daily run of `points_expire_task`, a day from now (like `coupons_expire_schedule`)."""
    pending = DBTaskResult.objects.filter(task_path=points_expire_task.module_path, status=TaskResultStatus.READY)
    if pending.exists():
        return False
    enqueue_after(points_expire_task, clock.now() + timedelta(days=1))
    return True
