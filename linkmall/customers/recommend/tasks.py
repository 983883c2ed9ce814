from django_tasks import task

from .refresh import recommend_refresh


@task()
def recommend_refresh_task(store_id: int) -> dict:
    return recommend_refresh(store_id=store_id).__dict__
