"""Background catalog work. Thin and idempotent: each task calls one service."""

from django_tasks import task


@task()
def import_job_run(job_id: int) -> str | None:
    """Run a queued catalog import; a job already run is left as it is."""
    from linkmall.catalog.services.imports import import_job_run as run

    job = run(job_id=job_id)
    return job.status if job else None
