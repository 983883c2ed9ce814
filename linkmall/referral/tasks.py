from django_tasks import task

from linkmall.referral.settlement import order_settle


@task()
def order_settle_task(order_id: int) -> bool:
    return order_settle(order_id=order_id)
