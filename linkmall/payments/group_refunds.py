"""A group buy's (拼团) deadline, where it needs money: payments sits above orders and campaigns, so
the whole run lives here.

`group_deadline_run(group_id=…)`, once the deadline has passed:
1. `campaigns.group_deadline_settle` decides under the group's lock: failed, or complete by virtual
   fill (idempotent: a settled group answers as it is);
2. the unpaid seats' orders are cancelled (`orders.group.group_orders_cancel_unpaid`; their units
   go back to the activity, or to the SKU once it has ended);
3. complete: every paid member's fulfilment goes to the supplier (待成团 → 待发货);
   failed: every paid member is refunded IN FULL through the gateway (`refund_create` with the
   system actor and the key `group-<group id>-<order id>`, then `refund_submit`, which retries by
   task while the gateway does not answer, `RETRY_MINUTES`). Nothing ships; the refund of an
   unshipped line puts the unit back on the SKU's shelf (`order_apply_refund`).
Each step is idempotent, so running it twice moves nothing twice.

The task is booked by a group's first accepted payment (`group_deadline_book`, called from
`payments.services.notifications`), for the group's deadline; a group nobody paid for needs no
money and is settled by campaigns' own task (`campaigns.tasks_group.group_deadline_task`), its
unpaid orders lapsing by their payment window. `group_deadlines_run(now=…)` runs every lapsed
deadline at once (the scenario runner's `advance` and a command use it).

The member's refund state (pending / succeeded / failed) is written on the campaigns row, so the
console shows it until it succeeds; `group_refund_retry` is its retry button.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django_tasks import task

from linkmall.accounts.models import User
from linkmall.accounts.services import system_user
from linkmall.campaigns.models import GroupBuyGroup, GroupBuyMember, GroupStatus, MemberStatus, RefundState
from linkmall.campaigns.services._common import require_merchant_owner
from linkmall.campaigns.services.group import group_deadline_settle, group_member_refund_noted
from linkmall.core import clock
from linkmall.core.errors import Conflict, NotFound
from linkmall.core.tasks import enqueue_after
from linkmall.orders.group import group_orders_cancel_unpaid
from linkmall.orders.models import Order
from linkmall.orders.services.activity_hooks import group_fulfilments_release
from linkmall.payments.models import Refund
from linkmall.payments.services.refunds import refund_create, refund_submit

logger = logging.getLogger("linkmall.payments")

#: the account the automatic refunds of failed groups act as: platform staff that can never log in
GROUP_REFUND_USERNAME = "system.group-buy"
REFUND_REASON = "拼团失败，自动全额退款"
_STATES: dict[str, str] = {Refund.Status.PENDING: RefundState.PENDING, Refund.Status.SUCCEEDED: RefundState.SUCCEEDED,
                           Refund.Status.FAILED: RefundState.FAILED}


def group_refund_actor() -> User:
    return system_user(username=GROUP_REFUND_USERNAME, display_name="拼团自动退款")


def refund_key(group_id: int, order_id: int, attempt: int = 0) -> str:
    """`group-<group>-<order>` (a refund key allows no colon); a new refund after the gateway
    refused one adds `-r<attempt>`."""
    return f"group-{group_id}-{order_id}" + (f"-r{attempt}" if attempt else "")


def _refund_member(member: GroupBuyMember, *, attempt: int) -> str:
    """Refund one paid member of a failed group in full (idempotent by key). Returns the state."""
    assert member.order_id is not None
    order = Order.objects.get(pk=member.order_id)
    try:
        refund = refund_create(actor=group_refund_actor(), order=order, lines=None, reason=REFUND_REASON,
                               idempotency_key=refund_key(member.group_id, int(member.order_id), attempt))
    except Conflict as exc:
        if exc.code != "refund_exceeds":
            raise
        # refunded in full already (an after-sales refund came first): nothing is owed
        group_member_refund_noted(order_id=order.pk, refund_id=None, state=RefundState.SUCCEEDED)
        return RefundState.SUCCEEDED
    state = _STATES.get(str(refund.status), RefundState.PENDING)
    group_member_refund_noted(order_id=order.pk, refund_id=refund.pk, state=state, attempt=True)
    return state


def group_deadline_run(*, group_id: int) -> str:
    """Run a group's deadline (module doc). Returns the group's status, "" before the deadline."""
    settled = group_deadline_settle(group_id=group_id)
    if settled is None:
        return ""
    group_orders_cancel_unpaid(order_ids=settled.held_order_ids)
    if settled.status == GroupStatus.COMPLETE:
        group_fulfilments_release(order_ids=settled.paid_order_ids)
    elif settled.status == GroupStatus.FAILED:
        members = GroupBuyMember.objects.filter(group_id=group_id, virtual=False, status=MemberStatus.PAID,
                                                refund_state=RefundState.NONE).order_by("pk")
        for member in members:
            _refund_member(member, attempt=0)
    return str(settled.status)


@task()
def group_deadline_task(group_id: int) -> str:
    return group_deadline_run(group_id=group_id)


def group_deadline_book(*, order_id: int) -> bool:
    """After an accepted payment (same transaction): the group's first paid member books the
    deadline run. One query for an order without a group seat."""
    row = (GroupBuyMember.objects.filter(order_id=order_id, virtual=False)
           .values_list("group_id", "group__deadline", "group__paid", "group__status").first())
    if row is None:
        return False
    group_id, deadline, paid, status = row
    if status != GroupStatus.OPEN or paid != 1:
        return False
    enqueue_after(group_deadline_task, deadline, group_id)
    return True


def group_deadlines_run(*, now: datetime | None = None) -> int:
    """Run every lapsed group deadline now: open groups past their deadline, and failed groups
    with a paid member not refunded yet. Returns how many groups it ran. The scenario runner's
    `advance` calls it; tasks do the same one group at a time."""
    moment = now or clock.now()
    lapsed = (Q(status=GroupStatus.OPEN, deadline__lte=moment)
              | Q(status=GroupStatus.FAILED, members__virtual=False, members__status=MemberStatus.PAID,
                  members__refund_state=RefundState.NONE))
    ids = list(GroupBuyGroup.objects.filter(lapsed).order_by("pk").values_list("pk", flat=True).distinct())
    for group_id in ids:
        group_deadline_run(group_id=group_id)
    return len(ids)


def group_refund_noted(*, refund: Refund) -> None:
    """A refund of a failed group completed or failed later (refund_complete / refund_fail): keep
    the member's state in step. Nothing for other refunds."""
    if not refund.out_refund_no.startswith("group-"):
        return
    group_member_refund_noted(order_id=refund.order_id, refund_id=refund.pk,
                              state=_STATES.get(str(refund.status), RefundState.PENDING))


def group_refund_retry(*, actor: User, member_id: int) -> str:
    """The console's retry button: a pending refund is sent to the gateway again now; a refused one
    is replaced by a new refund (a new key). The merchant's owner or platform staff; another
    merchant's member is not found. Returns the member's refund state."""
    member = (GroupBuyMember.objects.select_related("group__activity").filter(pk=member_id, virtual=False).first()
              if isinstance(member_id, int) and not isinstance(member_id, bool) else None)
    if member is None:
        raise NotFound("No such group member.")
    require_merchant_owner(actor, member.group.activity.merchant_id, what="group member")
    if member.refund_state == RefundState.PENDING and member.refund_id is not None:
        refund = refund_submit(refund_id=int(member.refund_id))
        state = _STATES.get(str(refund.status), RefundState.PENDING)
        group_member_refund_noted(order_id=refund.order_id, refund_id=refund.pk, state=state)
        return state
    if member.refund_state == RefundState.FAILED:
        with transaction.atomic():
            return str(_refund_member(member, attempt=member.refund_attempts))
    raise Conflict("This member has no refund to retry.", code="group_refund_not_retryable",
                   detail={"refund_state": member.refund_state})
