"""The bargains' delayed work: thin and idempotent."""

from django_tasks import task

from linkmall.campaigns.services.bargain import bargain_expire


@task()
def bargain_expire_task(bargain_id: int) -> bool:
    """Booked at a bargain's `expires_at` when it starts: expire it if it is still open."""
    return bargain_expire(bargain_id=bargain_id)
