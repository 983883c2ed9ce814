"""Delayed order work. Each task is thin and idempotent: it calls one service, which re-checks."""

from django_tasks import task

from linkmall.orders import services


@task()
def order_expire_task(order_id: int) -> bool:
    return services.order_expire(order_id=order_id)


@task()
def fulfilment_auto_receive_task(fulfilment_id: int) -> bool:
    return services.fulfilment_auto_receive(fulfilment_id=fulfilment_id)


@task()
def pickup_remind_task(order_id: int) -> bool:
    from linkmall.orders.services.pickup import order_pickup_remind

    return order_pickup_remind(order_id=order_id)
