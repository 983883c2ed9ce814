"""What every after-sales service shares: the row lock, the audit event, guarded state changes,
the refund and the guarantee's timer."""

from datetime import datetime

from linkmall.accounts.models import User
from linkmall.accounts.services import system_user
from linkmall.aftersales import rules
from linkmall.aftersales.access import SYSTEM
from linkmall.aftersales.models import AfterSaleEvent, AfterSaleRequest
from linkmall.aftersales.tasks import aftersale_guarantee_task
from linkmall.core import clock
from linkmall.core.errors import Conflict, NotFound
from linkmall.core.locking import lock_one
from linkmall.core.tasks import enqueue_after

Status = AfterSaleRequest.Status
Kind = AfterSaleRequest.Kind


def lock_request(request_id: int) -> AfterSaleRequest:
    """The request's row, locked for the rest of the transaction, freshly read."""
    try:
        return lock_one(AfterSaleRequest.objects.all(), request_id)
    except AfterSaleRequest.DoesNotExist:
        raise NotFound("No such after-sales request.") from None


def record(request: AfterSaleRequest, *, actor: User | None, role: str, action: str, note: str = "") -> AfterSaleEvent:
    return AfterSaleEvent.objects.create(
        request=request, actor=actor, actor_role=role, action=action, note=note[:500], at=clock.now()
    )


def require_status(request: AfterSaleRequest, *statuses: str) -> None:
    if request.status not in statuses:
        raise Conflict(
            "The request is not in a state that allows this.",
            code="aftersale_state",
            detail={"status": request.status, "allowed": list(statuses)},
        )


def move(request: AfterSaleRequest, *, to: str, **fields) -> AfterSaleRequest:
    """Change the request's status from the one it has now, guarded in the UPDATE itself.

    The row is already locked; the guard makes a lost update impossible even if a caller forgot.
    """
    changed = AfterSaleRequest.objects.filter(pk=request.pk, status=request.status).update(status=to, **fields)
    if changed != 1:
        raise Conflict("The request changed meanwhile; try again.", code="aftersale_state")
    request.status = to
    for name, value in fields.items():
        setattr(request, name, value)
    return request


def schedule_guarantee(request: AfterSaleRequest) -> None:
    """Wake the guarantee at the request's deadline. Stored with the business change, so it
    commits or rolls back with it; a wake-up for an older deadline finds nothing to do."""
    enqueue_after(aftersale_guarantee_task, request.respond_by, request.pk)


def next_deadline() -> datetime:
    return clock.now() + rules.response_time()


#: the account the guarantee acts as: platform staff that can never log in (inactive, no password)
GUARANTEE_USERNAME = "system.aftersale-guarantee"


def guarantee_actor() -> User:
    """Who moves the money when the platform steps in, so payments sees a platform refund."""
    return system_user(username=GUARANTEE_USERNAME, display_name="平台售后兜底")


def refund(request: AfterSaleRequest, *, actor: User, role: str, reason: str) -> AfterSaleRequest:
    """Refund the request's units through payments and mark it refunded. Runs under the request's lock.

    The idempotency key is the request's own: whoever gets here twice (a retried approval, the
    guarantee racing a late answer) moves money once.
    """
    from linkmall.payments.services import refund_create

    refund_row = refund_create(
        actor=actor,
        order=request.order,
        lines=[(request.line_id, request.quantity)],
        reason=reason[:200],
        idempotency_key=f"aftersale-{request.pk}",
    )
    move(request, to=Status.REFUNDED, refund=refund_row)
    # the guarantee's timer is nobody: its events name no person
    record(request, actor=None if role == SYSTEM else actor, role=role, action="refunded", note=reason)
    return request
