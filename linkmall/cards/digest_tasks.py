"""The digest's tasks: thin and idempotent; the work is in cards.digest."""

from datetime import date

from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from linkmall.cards import digest
from linkmall.core.tasks import enqueue_after


@task()
def digest_guide_task(guide_id: int, day: str) -> int:
    return digest.digest_build(guide_id=guide_id, day=date.fromisoformat(day)).pk


@task()
def digest_daily_task() -> int:
    """Yesterday's digest for every active guide, one task each; then tomorrow morning's run."""
    day = digest.yesterday().isoformat()
    guides = digest.digest_guides()
    for guide_id in guides:
        enqueue_after(digest_guide_task, None, guide_id, day)
    digest_schedule()
    return len(guides)


def digest_schedule() -> bool:
    """Keep one pending daily run, at the next 08:00. Returns whether it enqueued one.

    Called by the daily task itself (its own row is running, not ready, so the next one is added)
    and by `linkmall digest schedule` at deployment; a second call finds the pending run and adds none.
    Two callers racing may both add one; the chains then merge by themselves the next morning —
    the first run sees the other still pending and adds nothing — and the per-guide digests are
    unique per day anyway, so no guide gets two.
    """
    pending = DBTaskResult.objects.filter(task_path=digest_daily_task.module_path, status=TaskResultStatus.READY)
    if pending.exists():
        return False
    enqueue_after(digest_daily_task, digest.next_digest_time())
    return True
