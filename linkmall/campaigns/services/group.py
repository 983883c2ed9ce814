"""Group buys (拼团) on the database: the merchant's activity, groups, seats, the deadline.

A buyer opens a group (and is its leader, 团长) or joins an open one; each seat is an order placed
through the normal checkout (`orders.group` runs `group_seat_take`, `order_place` and
`group_member_record` in one transaction). The seat count of a group is one guarded UPDATE
(`seats < size`), so a group never has more seats than members; the units come from the
activity's own stock (taken from the SKU at creation, like a flash sale) and the buyer's seats
count against `per_user_limit`. Payment makes a member paid (`group_order_paid`); the group is
complete when `size` members paid. An unpaid seat whose order is cancelled or expires frees the
seat and its unit (`group_order_released`). At the deadline (`group_deadline_settle`) a group
that is not complete fails — or, with virtual fill, is completed by virtual members.

Lock order: an order (orders' lock) → its group → the activity. The deadline takes only the group.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.activities import ActivityLine
from linkmall.campaigns.models import (
    CampaignStatus,
    Funder,
    GroupBuy,
    GroupBuyBuyer,
    GroupBuyGroup,
    GroupBuyMember,
    GroupStatus,
    MemberStatus,
    RefundState,
)
from linkmall.campaigns.services._common import (
    MAX_QUANTITY,
    Errors,
    activity_listing,
    activity_name_and_funder,
    activity_window,
    check_activity_cost,
    check_move,
    own_stock_end,
    require_changeable,
    require_merchant_owner,
    whole,
)
from linkmall.catalog.services import sku_stock_release, sku_stock_reserve
from linkmall.catalog.services.validation import MAX_PRICE_FEN
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.core.locking import lock_one
from linkmall.core.tasks import enqueue_after
from linkmall.stores.models import Listing, Merchant

MIN_SIZE, MAX_SIZE = 2, 100
MAX_HOURS = 168
MAX_PER_USER = 100
MAX_PAYMENT_MINUTES = 60


@dataclass(frozen=True)
class GroupBuyFields:
    listing_id: int
    name: str
    size: int
    price_fen: int
    stock: int
    starts_at: datetime
    ends_at: datetime
    hours: int = 24
    per_user_limit: int = 1
    leader_discount_fen: int = 0
    payment_minutes: int = 15
    virtual_fill_percent: int | None = None
    funder: str = Funder.MERCHANT
    rewards: bool = False


def _clean(fields: GroupBuyFields, *, merchant: Merchant, actor: User) -> Listing:
    errors = Errors()
    values: Mapping[str, Any] = fields.__dict__
    activity_name_and_funder(values, errors, actor=actor)
    whole(values, "size", errors, minimum=MIN_SIZE, maximum=MAX_SIZE)
    price = whole(values, "price_fen", errors, minimum=1, maximum=MAX_PRICE_FEN)
    discount = whole(values, "leader_discount_fen", errors, minimum=0, maximum=MAX_PRICE_FEN)
    whole(values, "stock", errors, minimum=1, maximum=MAX_QUANTITY)
    whole(values, "hours", errors, minimum=1, maximum=MAX_HOURS)
    whole(values, "per_user_limit", errors, minimum=1, maximum=MAX_PER_USER)
    whole(values, "payment_minutes", errors, minimum=1, maximum=MAX_PAYMENT_MINUTES)
    whole(values, "virtual_fill_percent", errors, minimum=1, maximum=99, optional=True)
    if price is not None and discount is not None and discount >= price:
        errors["leader_discount_fen"] = _("团长优惠须低于拼团价")
    activity_window(values, errors)
    listing = activity_listing(fields.listing_id, errors, merchant=merchant)
    if listing is not None and price is not None and price >= listing.price_fen:
        errors["price_fen"] = _("拼团价须低于售价")
    errors.raise_any()
    assert listing is not None
    return listing


def group_buy_create(*, actor: User, merchant: Merchant, fields: GroupBuyFields, accept_loss: bool = False,
                     activate: bool = True) -> GroupBuy:
    """Create a group buy on one of the merchant's listings and take its stock from the SKU's
    supplier stock (`out_of_stock` when the supplier has fewer: nothing changes). Its end is booked
    in the same transaction."""
    from linkmall.campaigns.tasks_group import group_buy_end_task

    require_merchant_owner(actor, merchant.pk, what="merchant")
    listing = _clean(fields, merchant=merchant, actor=actor)
    # the lowest unit price is the leader's
    check_activity_cost(listing, lowest_fen=fields.price_fen - fields.leader_discount_fen, funder=fields.funder,
                        accept_loss=accept_loss, what="group price")
    with transaction.atomic():
        sku_stock_reserve(sku_id=listing.sku_id, quantity=fields.stock)
        activity = GroupBuy.objects.create(
            merchant=merchant, listing=listing, name=fields.name.strip(), size=fields.size, price_fen=fields.price_fen,
            leader_discount_fen=fields.leader_discount_fen, hours=fields.hours, per_user_limit=fields.per_user_limit,
            payment_minutes=fields.payment_minutes, stock=fields.stock,
            virtual_fill_percent=fields.virtual_fill_percent, starts_at=fields.starts_at, ends_at=fields.ends_at,
            funder=fields.funder, rewards=fields.rewards, accept_loss=accept_loss,
            status=CampaignStatus.ACTIVE if activate else CampaignStatus.DRAFT,
        )
        enqueue_after(group_buy_end_task, activity.ends_at, activity.pk)
    return activity


def _lock_activity(activity_id: int) -> GroupBuy:
    try:
        return lock_one(GroupBuy.objects.select_related("listing"), activity_id)
    except GroupBuy.DoesNotExist:
        raise NotFound("No such group buy.") from None


def group_buy_set_status(*, actor: User, activity_id: int, status: str) -> GroupBuy:
    """Activate, pause or end an activity (ending returns its free stock at once). Groups already
    open keep their deadline; while the activity is not running nobody opens or joins."""
    with transaction.atomic():
        activity = _lock_activity(activity_id)
        require_changeable(actor, activity, what="group buy")
        if not check_move(current=activity.status, wanted=status):
            return activity
        if status == CampaignStatus.ENDED:
            own_stock_end(activity)
            return activity
        GroupBuy.objects.filter(pk=activity.pk).update(status=status)
        activity.status = status
    return activity


def group_buy_end(*, activity_id: int) -> bool:
    """The end task: once the window is over, end the activity and return its free stock, once."""
    with transaction.atomic():
        activity = GroupBuy.objects.select_for_update().select_related("listing").filter(pk=activity_id).first()
        if activity is None or activity.status == CampaignStatus.ENDED or activity.ends_at > clock.now():
            return False
        own_stock_end(activity)
    return True


# --- seats -------------------------------------------------------------------------------------------


def _activity_refusal(activity: GroupBuy, now: datetime) -> Conflict | None:
    detail = {"activity_id": activity.pk, "starts_at": activity.starts_at.isoformat()}
    if activity.status == CampaignStatus.ENDED or activity.ends_at <= now:
        return Conflict("The group buy is over.", code="group_ended", detail=detail)
    if activity.status == CampaignStatus.PAUSED:
        return Conflict("The group buy is paused.", code="group_paused", detail=detail)
    if activity.status == CampaignStatus.DRAFT or activity.starts_at > now:
        return Conflict("The group buy has not started.", code="group_not_started", detail=detail)
    return None


def _group_refusal(group: GroupBuyGroup, now: datetime) -> Conflict | None:
    detail = {"group_id": group.pk, "status": group.status}
    if group.status == GroupStatus.FAILED or (group.status == GroupStatus.OPEN and group.deadline <= now):
        return Conflict("The group has failed.", code="group_failed", detail=detail)
    if group.status == GroupStatus.COMPLETE:
        return Conflict("The group is complete.", code="group_closed", detail=detail)
    return None


def _take_unit(activity: GroupBuy, now: datetime) -> None:
    taken = (GroupBuy.objects
             .filter(pk=activity.pk, status=CampaignStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now,
                     stock__gte=F("held") + F("sold") + F("returned") + 1)
             .update(held=F("held") + 1))
    if taken != 1:
        activity.refresh_from_db()
        raise _activity_refusal(activity, now) or Conflict(
            "The group buy is sold out.", code="group_sold_out", detail={"activity_id": activity.pk})


def _count_buyer(activity: GroupBuy, buyer: User) -> None:
    GroupBuyBuyer.objects.bulk_create([GroupBuyBuyer(activity=activity, user=buyer)], ignore_conflicts=True)
    counted = (GroupBuyBuyer.objects.filter(activity=activity, user=buyer, taken__lte=activity.per_user_limit - 1)
               .update(taken=F("taken") + 1))
    if counted != 1:
        raise Conflict("You have reached the limit of this group buy.", code="group_limit_reached",
                       detail={"activity_id": activity.pk, "per_user_limit": activity.per_user_limit})


@dataclass(frozen=True)
class Seat:
    """A seat taken by `group_seat_take`: the group, whether the buyer leads it, and the line."""

    group: GroupBuyGroup
    leader: bool
    line: ActivityLine


def _line(activity: GroupBuy, unit_fen: int) -> ActivityLine:
    return ActivityLine(kind="group", listing_id=activity.listing_id, unit_fen=unit_fen,
                        funder="platform" if activity.funder == Funder.PLATFORM else "merchant",
                        own_stock=True, payment_minutes=activity.payment_minutes, rewards=activity.rewards)


def _valid_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def group_seat_take(*, buyer: User, activity_id: int | None = None, group_id: int | None = None) -> Seat:
    """Inside the transaction that places the order: open a new group of `activity_id` (the buyer
    leads it, at the leader's price) or take a seat in `group_id`. Refusals raise their code
    (`group_not_started`, `group_paused`, `group_ended`, `group_failed`, `group_closed`,
    `group_already_member`, `group_full`, `group_sold_out`, `group_limit_reached`) and the caller's
    transaction rolls back whatever was taken; an unknown id is `not_found`."""
    require_role(buyer, Role.CONSUMER)
    now = clock.now()
    if group_id is None:
        activity = GroupBuy.objects.filter(pk=activity_id or 0).first() if _valid_id(activity_id) else None
        if activity is None:
            raise NotFound("No such group buy.")
        refusal = _activity_refusal(activity, now)
        if refusal is not None:
            raise refusal
        _take_unit(activity, now)
        _count_buyer(activity, buyer)
        group = GroupBuyGroup.objects.create(
            activity=activity, leader=buyer, size=activity.size, seats=1,
            deadline=min(now + timedelta(hours=activity.hours), activity.ends_at))
        from linkmall.campaigns.tasks_group import group_deadline_task

        enqueue_after(group_deadline_task, group.deadline, group.pk)
        return Seat(group=group, leader=True, line=_line(activity, activity.price_fen - activity.leader_discount_fen))

    found = (GroupBuyGroup.objects.select_related("activity").filter(pk=group_id).first()
             if _valid_id(group_id) else None)
    if found is None or (activity_id is not None and found.activity_id != activity_id):
        raise NotFound("No such group.")
    group = found
    activity = group.activity
    refusal = _group_refusal(group, now) or _activity_refusal(activity, now)
    if refusal is not None:
        raise refusal
    if GroupBuyMember.objects.filter(group=group, buyer=buyer, status__in=[MemberStatus.HELD, MemberStatus.PAID]).exists():
        raise Conflict("You are in this group already.", code="group_already_member", detail={"group_id": group.pk})
    # the seat: one guarded UPDATE of the group row (it also serializes joiners of this group)
    if GroupBuyGroup.objects.filter(pk=group.pk, status=GroupStatus.OPEN, deadline__gt=now,
                                    seats__lt=F("size")).update(seats=F("seats") + 1) != 1:
        group.refresh_from_db()
        raise _group_refusal(group, now) or Conflict(
            "The group is full.", code="group_full", detail={"group_id": group.pk, "size": group.size})
    _take_unit(activity, now)
    _count_buyer(activity, buyer)
    return Seat(group=group, leader=False, line=_line(activity, activity.price_fen))


def group_member_record(*, buyer: User, seat: Seat, order_id: int) -> GroupBuyMember:
    """The order that `group_seat_take`'s seat went into (same transaction). The unique seat per
    buyer and group is the database's last word on a double join."""
    try:
        with transaction.atomic():
            return GroupBuyMember.objects.create(group=seat.group, buyer=buyer, order_id=order_id, leader=seat.leader,
                                                 unit_fen=seat.line.unit_fen)
    except IntegrityError:
        raise Conflict("You are in this group already.", code="group_already_member",
                       detail={"group_id": seat.group.pk}) from None


def _lock_group(group_id: int) -> GroupBuyGroup:
    try:
        return lock_one(GroupBuyGroup.objects.all(), group_id)
    except GroupBuyGroup.DoesNotExist:
        raise NotFound("No such group.") from None


@dataclass(frozen=True)
class GroupPaid:
    """What a member's payment did: the group, whether it is complete now, and the orders whose
    fulfilments may ship now (every paid member's when complete; none otherwise)."""

    group_id: int
    complete: bool
    paid: int
    release_order_ids: list[int] = field(default_factory=list)


def group_order_paid(*, order_id: int) -> GroupPaid | None:
    """The seat's order was paid (inside `order_mark_paid`, the order locked): the member is paid,
    its unit sold, and the group complete once `size` members paid. A payment for a group that has
    failed, completed or passed its deadline is refused with `order_not_payable` (payments then
    gives the money back). None for an order that holds no unpaid seat (one query)."""
    member = GroupBuyMember.objects.filter(order_id=order_id, status=MemberStatus.HELD).first()
    if member is None:
        return None
    group = _lock_group(member.group_id)
    now = clock.now()
    if group.status != GroupStatus.OPEN or group.deadline <= now:
        raise Conflict("The group is closed.", code="order_not_payable",
                       detail={"status": "group_" + (GroupStatus.FAILED if group.status == GroupStatus.OPEN
                                                      else group.status)})
    if GroupBuyMember.objects.filter(pk=member.pk, status=MemberStatus.HELD).update(
            status=MemberStatus.PAID, paid_at=now) != 1:
        return None
    GroupBuy.objects.filter(pk=group.activity_id, held__gte=1).update(held=F("held") - 1, sold=F("sold") + 1)
    GroupBuyGroup.objects.filter(pk=group.pk).update(paid=F("paid") + 1)
    paid = group.paid + 1
    if paid < group.size:
        return GroupPaid(group_id=group.pk, complete=False, paid=paid)
    GroupBuyGroup.objects.filter(pk=group.pk, status=GroupStatus.OPEN).update(status=GroupStatus.COMPLETE,
                                                                             closed_at=now)
    orders = list(GroupBuyMember.objects.filter(group=group, status=MemberStatus.PAID, virtual=False)
                  .values_list("order_id", flat=True))
    return GroupPaid(group_id=group.pk, complete=True, paid=paid, release_order_ids=sorted(int(o) for o in orders if o))


def group_order_released(*, order_id: int) -> dict[int, int]:
    """An unpaid seat's order was cancelled or expired: the seat is free again (the group may take
    another member), the unit goes back to the activity — or to the SKU once the activity has
    ended — and the buyer's count comes down. Returns {sku_id: units} the activity took back, which
    the caller must not release to the SKU again. One query for other orders."""
    member = GroupBuyMember.objects.filter(order_id=order_id, status=MemberStatus.HELD).first()
    if member is None:
        return {}
    group = _lock_group(member.group_id)
    if GroupBuyMember.objects.filter(pk=member.pk, status=MemberStatus.HELD).update(
            status=MemberStatus.RELEASED) != 1:
        return {}
    GroupBuyGroup.objects.filter(pk=group.pk, seats__gte=1).update(seats=F("seats") - 1)
    activity = _lock_activity(group.activity_id)
    if activity.status == CampaignStatus.ENDED:
        GroupBuy.objects.filter(pk=activity.pk).update(held=F("held") - 1, returned=F("returned") + 1)
        sku_stock_release(sku_id=activity.listing.sku_id, quantity=1)
    else:
        GroupBuy.objects.filter(pk=activity.pk).update(held=F("held") - 1)
    GroupBuyBuyer.objects.filter(activity=activity, user_id=member.buyer_id or 0, taken__gte=1).update(
        taken=F("taken") - 1)
    return {activity.listing.sku_id: 1}


# --- the deadline --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSettled:
    """A group after its deadline: its status, the orders of unpaid seats (to cancel) and of paid
    real members (to refund when failed, to ship when complete)."""

    group_id: int
    status: str
    held_order_ids: list[int]
    paid_order_ids: list[int]


def _settled(group: GroupBuyGroup, status: str) -> GroupSettled:
    rows = list(GroupBuyMember.objects.filter(group_id=group.pk, virtual=False)
                .exclude(status=MemberStatus.RELEASED).values_list("status", "order_id"))
    return GroupSettled(group_id=group.pk, status=status,
                        held_order_ids=sorted(int(o) for s, o in rows if s == MemberStatus.HELD and o),
                        paid_order_ids=sorted(int(o) for s, o in rows if s == MemberStatus.PAID and o))


def virtual_fill_applies(group: GroupBuyGroup, activity: GroupBuy) -> bool:
    """A group at least `virtual_fill_percent` full (paid members, at least one) at its deadline."""
    percent = activity.virtual_fill_percent
    return bool(percent) and group.paid >= 1 and group.paid * 100 >= (percent or 0) * group.size


def group_deadline_settle(*, group_id: int) -> GroupSettled | None:
    """At the deadline, under the group's lock: a group still open fails — or, when virtual fill
    applies, is completed with `size − paid` virtual members (`virtual=True`, no order, no money:
    the merchant gives those units' discount away by shipping the real members). Idempotent: a
    group already settled answers as it is. None while the deadline is still ahead (or no group)."""
    with transaction.atomic():
        try:
            group = _lock_group(group_id)
        except NotFound:
            return None
        if group.status != GroupStatus.OPEN:
            return _settled(group, group.status)
        now = clock.now()
        if group.deadline > now:
            return None
        activity = GroupBuy.objects.get(pk=group.activity_id)
        if virtual_fill_applies(group, activity):
            missing = group.size - group.paid
            GroupBuyMember.objects.bulk_create([
                GroupBuyMember(group=group, virtual=True, status=MemberStatus.PAID, unit_fen=activity.price_fen,
                               paid_at=now) for _ in range(missing)])
            GroupBuyGroup.objects.filter(pk=group.pk, status=GroupStatus.OPEN).update(
                status=GroupStatus.COMPLETE, virtual_members=missing, closed_at=now)
            group.status = GroupStatus.COMPLETE
        else:
            GroupBuyGroup.objects.filter(pk=group.pk, status=GroupStatus.OPEN).update(
                status=GroupStatus.FAILED, closed_at=now)
            group.status = GroupStatus.FAILED
        return _settled(group, group.status)


def group_member_refund_noted(*, order_id: int, refund_id: int | None, state: str, attempt: bool = False) -> bool:
    """Payments tells the member of a failed group how their automatic refund stands (pending,
    succeeded, failed). `attempt`: a new refund was created for them."""
    if state not in RefundState.values:
        raise InvalidInput("Unknown refund state.")
    changes: dict[str, Any] = {"refund_state": state}
    if refund_id is not None:
        changes["refund_id"] = refund_id
    if attempt:
        changes["refund_attempts"] = F("refund_attempts") + 1
    return GroupBuyMember.objects.filter(order_id=order_id, virtual=False).update(**changes) == 1
