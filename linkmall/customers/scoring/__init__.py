"""Scores of customers: intent grade (A-D), layer (core/active/potential) and their runs.

Entry points other apps call (see /work/shared contracts): `profile_rescore`,
`profile_rescore_later` and `layers_recompute`.
"""

from django.db import transaction
from django_tasks import TaskResultStatus

from linkmall.customers.scoring.rescore import profile_rescore


def profile_rescore_later(*, merchant_id: int, user_id: int) -> None:
    """Rescore the customer after the current transaction commits (nothing if it rolls back).

    Idempotent: while a rescore of the same customer still waits in the queue, no second one is
    queued, so a burst of 100 events costs one rescore.
    """
    from django_tasks_db.models import DBTaskResult

    from linkmall.customers.scoring.tasks import profile_rescore_task

    kwargs = {"merchant_id": int(merchant_id), "user_id": int(user_id)}

    def enqueue():
        waiting = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=profile_rescore_task.module_path,
            args_kwargs={"args": [], "kwargs": kwargs},
        )
        if not waiting.exists():
            profile_rescore_task.enqueue(**kwargs)

    transaction.on_commit(enqueue)


def layers_recompute(*, merchant_id: int, progress=None, with_actions: bool = True):
    from linkmall.customers.scoring.layering import layers_recompute as recompute

    return recompute(merchant_id=merchant_id, progress=progress, with_actions=with_actions)


__all__ = ["profile_rescore", "profile_rescore_later", "layers_recompute"]
