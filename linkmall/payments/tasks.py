"""Delayed payment work. Thin and idempotent: each re-checks state through a service."""

from django_tasks import task


@task()
def refund_submit_task(refund_id: int, attempt: int = 0) -> str:
    from linkmall.payments.services import refund_submit

    return refund_submit(refund_id=refund_id, attempt=attempt).status


@task()
def sandbox_notify_task(out_trade_no: str) -> bool:
    from linkmall.payments.gateways.sandbox import sandbox_notify_deliver

    return sandbox_notify_deliver(out_trade_no=out_trade_no)
