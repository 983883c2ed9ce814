"""The flash sales' delayed work: thin and idempotent."""

from django_tasks import task

from linkmall.campaigns.services.flash import flash_end


@task()
def flash_end_task(sale_id: int) -> bool:
    return flash_end(sale_id=sale_id)
