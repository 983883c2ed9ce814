"""Delayed after-sales work. Thin and idempotent: each task calls one service."""

from django_tasks import task


@task()
def aftersale_guarantee_task(request_id: int) -> bool:
    """At a request's deadline: the platform steps in if nobody answered (售后兜底)."""
    # imported here because the services enqueue this task
    from linkmall.aftersales.services import aftersale_guarantee

    return aftersale_guarantee(request_id=request_id)


@task()
def pickup_expire_task(order_id: int) -> bool:
    from linkmall.aftersales.services.redemption import pickup_expire

    return pickup_expire(order_id=order_id)
