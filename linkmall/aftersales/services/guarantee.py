"""The platform guarantee (售后兜底): when a deadline passes with nobody acting, the platform does."""

from django.db import transaction

from linkmall.aftersales.access import SYSTEM
from linkmall.aftersales.models import AfterSaleRequest
from linkmall.aftersales.services._common import (
    Kind,
    Status,
    guarantee_actor,
    lock_request,
    move,
    next_deadline,
    record,
    refund,
    schedule_guarantee,
)
from linkmall.core import clock
from linkmall.core.errors import NotFound


def aftersale_guarantee(*, request_id: int) -> bool:
    """Act on a request whose deadline passed; True when the platform stepped in.

    Safe to run any number of times and at any moment: it re-reads the request under its row
    lock and does nothing unless the request still waits on someone and its deadline passed. A
    wake-up scheduled for an earlier state therefore finds nothing to do, and one that races a
    late answer either comes second and sees the new state, or comes first and the answer is
    refused by the state check.

    - refund-only, unanswered: the platform refunds;
    - return-and-refund, unanswered: the platform approves; the consumer may ship the goods back;
    - return not shipped back by the consumer in time: the request closes;
    - return shipped back, receipt not confirmed by the supplier in time: the platform refunds.
    """
    actor = guarantee_actor()
    with transaction.atomic():
        try:
            request = lock_request(request_id)
        except NotFound:
            return False
        if request.status not in AfterSaleRequest.OPEN_STATUSES or clock.now() < request.respond_by:
            return False
        if request.status == Status.AWAITING_RETURN:
            move(request, to=Status.CLOSED)
            record(request, actor=None, role=SYSTEM, action="closed")
            return True
        record(request, actor=None, role=SYSTEM, action="guarantee")
        if request.status == Status.REQUESTED and request.kind == Kind.RETURN_REFUND:
            record(request, actor=None, role=SYSTEM, action="approved")
            move(request, to=Status.AWAITING_RETURN, respond_by=next_deadline())
            schedule_guarantee(request)
        else:
            refund(request, actor=actor, role=SYSTEM, reason=f"售后 #{request.pk}: 平台兜底退款")
        return True
