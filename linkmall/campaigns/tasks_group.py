"""The group buys' delayed work: thin and idempotent.

`group_deadline_task` is booked when a group opens and settles its status at the deadline (failed,
or complete by virtual fill). What follows for the orders and the money (cancelling unpaid seats,
refunding paid members, letting a complete group ship) lives above campaigns, in
`payments.group_refunds.group_deadline_task`, which a group's first payment books for the same
moment; either may run first.
"""

from django_tasks import task

from linkmall.campaigns.services.group import group_buy_end, group_deadline_settle


@task()
def group_buy_end_task(activity_id: int) -> bool:
    return group_buy_end(activity_id=activity_id)


@task()
def group_deadline_task(group_id: int) -> str:
    settled = group_deadline_settle(group_id=group_id)
    return settled.status if settled is not None else ""
