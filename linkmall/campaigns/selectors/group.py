"""Reads of group buys (拼团): a shop's running activities and their open groups, one group with its
members (names masked; virtual members look like members), a buyer's groups, the console's lists,
and `group_order_complete` — whether an order's group is complete, for any app that must wait for
it (shipping, pick-up / 核销)."""

from dataclasses import dataclass

from django.db.models import F, QuerySet

from linkmall.accounts.models import User
from linkmall.campaigns.models import (
    CampaignStatus,
    GroupBuy,
    GroupBuyGroup,
    GroupBuyMember,
    GroupStatus,
    MemberStatus,
)
from linkmall.campaigns.selectors.invites import mask_name
from linkmall.core import clock
from linkmall.core.errors import NotFound
from linkmall.stores.selectors.merchant import merchant_id_of


def group_order_complete(*, order_id: int) -> bool | None:
    """Whether the group of an order's seat is complete (成团): True / False, None when the order
    holds no group seat. One query. Other apps (shipping, the O2O pick-up) ask this."""
    status = (GroupBuyMember.objects.filter(order_id=order_id, virtual=False)
              .values_list("group__status", flat=True).first())
    if status is None:
        return None
    return status == GroupStatus.COMPLETE


def shop_group_buys(*, merchant_id: int) -> QuerySet[GroupBuy]:
    """The merchant's running group buys, ending soonest first (public)."""
    now = clock.now()
    return (GroupBuy.objects.select_related("listing__product")
            .filter(merchant_id=merchant_id, status=CampaignStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now)
            .order_by("ends_at", "pk"))


def open_groups(*, activity_id: int, limit: int = 20) -> list[GroupBuyGroup]:
    """Groups of an activity a buyer may still join: open, before the deadline, a seat free."""
    return list(GroupBuyGroup.objects.select_related("leader")
                .filter(activity_id=activity_id, status=GroupStatus.OPEN, deadline__gt=clock.now(),
                        seats__lt=F("size"))
                .order_by("deadline", "pk")[:limit])


def group_buys_of(*, actor: User, merchant_id: int | None = None) -> QuerySet[GroupBuy]:
    """Every group buy of the actor's merchant (platform staff name it), newest first."""
    owner = merchant_id_of(actor=actor, merchant_id=merchant_id)
    return GroupBuy.objects.select_related("listing__product").filter(merchant_id=owner).order_by("-created_at", "-pk")


def group_counts(activity_ids: list[int]) -> dict[int, dict[str, int]]:
    """{activity_id: {"open": n, "complete": n, "failed": n}} for the console."""
    counts: dict[int, dict[str, int]] = {pk: {s: 0 for s in GroupStatus.values} for pk in activity_ids}
    for activity_id, status in GroupBuyGroup.objects.filter(activity_id__in=activity_ids).values_list(
            "activity_id", "status"):
        counts[activity_id][status] += 1
    return counts


def group_state(group: GroupBuyGroup) -> str:
    """open / complete / failed, where an open group past its deadline reads as failed."""
    if group.status == GroupStatus.OPEN and group.deadline <= clock.now():
        return GroupStatus.FAILED
    return group.status


@dataclass(frozen=True)
class MemberRow:
    name: str
    initial: str
    leader: bool
    paid: bool
    virtual: bool
    buyer_id: int | None
    order_id: int | None
    refund_state: str
    member_id: int


_VIRTUAL_NAMES = "李王张刘陈杨赵黄周吴"


def _row(member: GroupBuyMember, *, masked: bool = True) -> MemberRow:
    if member.virtual:
        name = _VIRTUAL_NAMES[member.pk % len(_VIRTUAL_NAMES)] + "**"
    else:
        assert member.buyer is not None
        raw = member.buyer.display_name or member.buyer.phone or member.buyer.username
        name = mask_name(raw) if masked else raw
    return MemberRow(name=name, initial=name[:1], leader=member.leader, paid=member.status == MemberStatus.PAID,
                     virtual=member.virtual, buyer_id=member.buyer_id, order_id=member.order_id,
                     refund_state=member.refund_state, member_id=member.pk)


@dataclass(frozen=True)
class GroupView:
    group: GroupBuyGroup
    state: str
    members: list[MemberRow]
    seats_left: int
    paid: int


def _members(group_ids: list[int]) -> dict[int, list[GroupBuyMember]]:
    rows: dict[int, list[GroupBuyMember]] = {pk: [] for pk in group_ids}
    for member in (GroupBuyMember.objects.select_related("buyer").filter(group_id__in=group_ids)
                   .exclude(status=MemberStatus.RELEASED).order_by("-leader", "virtual", "pk")):
        rows[member.group_id].append(member)
    return rows


def _view(group: GroupBuyGroup, members: list[GroupBuyMember], *, masked: bool = True) -> GroupView:
    rows = [_row(m, masked=masked) for m in members]
    state = group_state(group)
    return GroupView(group=group, state=state, members=rows, paid=sum(1 for r in rows if r.paid),
                     seats_left=max(0, group.size - group.seats) if state == GroupStatus.OPEN else 0)


def group_view(*, group_id: int, merchant_id: int | None = None) -> GroupView:
    """One group for its page (anyone with the link sees it; names are masked)."""
    rows = GroupBuyGroup.objects.select_related("activity__listing__product")
    if merchant_id is not None:
        rows = rows.filter(activity__merchant_id=merchant_id)
    group = rows.filter(pk=group_id).first() if isinstance(group_id, int) else None
    if group is None:
        raise NotFound("No such group.")
    return _view(group, _members([group.pk])[group.pk])


def my_groups(*, user: User, limit: int = 50) -> list[GroupView]:
    """The groups the buyer holds (or held) a seat in, newest first."""
    group_ids = list(GroupBuyMember.objects.filter(buyer=user).order_by("-group_id")
                     .values_list("group_id", flat=True).distinct()[:limit])
    groups = list(GroupBuyGroup.objects.select_related("activity__listing__product").filter(pk__in=group_ids)
                  .order_by("-pk"))
    members = _members([g.pk for g in groups])
    return [_view(g, members[g.pk]) for g in groups]


def activity_groups(*, actor: User, activity_id: int, limit: int = 200) -> tuple[GroupBuy, list[GroupView]]:
    """The console: an activity's groups with every member (names in full, virtual ones flagged,
    refund states), newest first. Another merchant's activity is not found."""
    owner = merchant_id_of(actor=actor)if actor.role != "platform" else None
    rows = GroupBuy.objects.select_related("listing__product")
    if owner is not None:
        rows = rows.filter(merchant_id=owner)
    activity = rows.filter(pk=activity_id).first()
    if activity is None:
        raise NotFound("No such group buy.")
    groups = list(GroupBuyGroup.objects.select_related("leader").filter(activity=activity).order_by("-pk")[:limit])
    members = _members([g.pk for g in groups])
    return activity, [_view(g, members[g.pk], masked=False) for g in groups]
