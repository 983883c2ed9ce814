"""/api/v1/campaigns: group buys (拼团). A shop's running activities and one activity with its open
groups (public), one group, the buyer's groups, and the merchant's activities (create, list,
pause / activate / end, the groups of one with their members and refund states). Opening and
joining place orders, so they live in orders (`orders.group_api`); the refund retry moves money,
so it lives in payments (`payments.group_api`). Mounted in config/api.py."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.campaigns.models import CampaignStatus, Funder, GroupBuy
from linkmall.campaigns.schemas import MerchantQuery
from linkmall.campaigns.selectors.group import (
    GroupView,
    activity_groups,
    group_buys_of,
    group_view,
    my_groups,
    open_groups,
    shop_group_buys,
)
from linkmall.campaigns.services._common import require_console
from linkmall.campaigns.services.group import (
    MAX_HOURS,
    MAX_PER_USER,
    MAX_SIZE,
    MIN_SIZE,
    GroupBuyFields,
    group_buy_create,
    group_buy_set_status,
)
from linkmall.catalog.services.validation import MAX_PRICE_FEN
from linkmall.core.errors import NotFound
from linkmall.core.paging import Page, PageOut, paginate
from linkmall.stores.models import Merchant
from linkmall.stores.selectors.merchant import merchant_id_of

router = Router(tags=["campaigns: group buys"])

MAX_ID = 2**31 - 1


class GroupBuyOut(Schema):
    id: int
    merchant_id: int
    listing_id: int
    product_name: str = Field(alias="listing.product.name")
    name: str
    list_fen: int = Field(alias="listing.price_fen")
    size: int
    price_fen: int
    leader_discount_fen: int
    hours: int
    per_user_limit: int
    starts_at: datetime
    ends_at: datetime
    status: str


class GroupBuyConsoleOut(GroupBuyOut):
    stock: int
    held: int
    sold: int
    returned: int
    payment_minutes: int
    virtual_fill_percent: int | None
    funder: str
    rewards: bool
    accept_loss: bool


class GroupBuyPage(PageOut[GroupBuyConsoleOut]):
    pass


class ShopQuery(Schema):
    merchant_id: int = Field(ge=1, le=MAX_ID)


class GroupBuyConsoleQuery(MerchantQuery):
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=50)


class GroupBuyIn(Schema):
    merchant_id: int | None = Field(None, ge=1, le=MAX_ID)
    listing_id: int = Field(ge=1, le=MAX_ID)
    name: str = Field(min_length=1, max_length=60)
    size: int = Field(ge=MIN_SIZE, le=MAX_SIZE)
    price_fen: int = Field(ge=1, le=MAX_PRICE_FEN)
    leader_discount_fen: int = Field(0, ge=0, le=MAX_PRICE_FEN)
    stock: int = Field(ge=1, le=10_000)
    hours: int = Field(24, ge=1, le=MAX_HOURS)
    per_user_limit: int = Field(1, ge=1, le=MAX_PER_USER)
    payment_minutes: int = Field(15, ge=1, le=60)
    #: a group at least this % full (paid) at its deadline is completed with virtual members
    virtual_fill_percent: int | None = Field(None, ge=1, le=99)
    starts_at: datetime
    ends_at: datetime
    funder: Funder = Funder.MERCHANT
    rewards: bool = False
    #: a (leader's) price below the SKU's cost on purpose
    accept_loss: bool = False
    activate: bool = True


class GroupBuyStatusIn(Schema):
    status: CampaignStatus


class GroupMemberOut(Schema):
    name: str
    initial: str
    leader: bool
    paid: bool
    virtual: bool


class GroupBuyGroupOut(Schema):
    id: int
    activity_id: int
    merchant_id: int
    product_name: str
    size: int
    seats_left: int
    paid: int
    deadline: datetime
    #: open, complete or failed (an open group past its deadline reads as failed)
    state: str
    members: list[GroupMemberOut]
    #: whether the viewer holds a seat in it
    mine: bool


class GroupConsoleMemberOut(GroupMemberOut):
    member_id: int
    order_id: int | None
    #: "", pending, succeeded or failed: a failed group's automatic refund
    refund_state: str


class GroupConsoleGroupOut(Schema):
    id: int
    size: int
    paid: int
    seats_left: int
    deadline: datetime
    state: str
    virtual_members: int
    members: list[GroupConsoleMemberOut]


class GroupBuyDetailOut(Schema):
    activity: GroupBuyOut
    open_groups: list[GroupBuyGroupOut]


def _out(view: GroupView, viewer_id: int | None) -> GroupBuyGroupOut:
    g = view.group
    return GroupBuyGroupOut(
        id=g.pk, activity_id=g.activity_id, merchant_id=g.activity.merchant_id,
        product_name=g.activity.listing.product.name, size=g.size, seats_left=view.seats_left, paid=view.paid,
        deadline=g.deadline, state=view.state,
        members=[GroupMemberOut(name=m.name, initial=m.initial, leader=m.leader, paid=m.paid, virtual=m.virtual)
                 for m in view.members],
        mine=viewer_id is not None and any(m.buyer_id == viewer_id for m in view.members))


@router.get("/group-buys", response=list[GroupBuyOut])
def group_buy_list(request: HttpRequest, query: Query[ShopQuery]) -> list[GroupBuy]:
    """The merchant's running group buys (public)."""
    return list(shop_group_buys(merchant_id=query.merchant_id)[:50])


@router.get("/group-buys/{int:activity_id}", response=GroupBuyDetailOut)
def group_buy_get(request: HttpRequest, activity_id: int) -> dict[str, object]:
    """A running group buy and the groups one may join (public)."""
    activity = GroupBuy.objects.select_related("listing__product").filter(
        pk=activity_id).exclude(status=CampaignStatus.DRAFT).first()
    if activity is None:
        raise NotFound("No such group buy.")
    groups = [_out(group_view(group_id=g.pk), None) for g in open_groups(activity_id=activity.pk, limit=10)]
    return {"activity": activity, "open_groups": groups}


@router.get("/groups/mine", response=list[GroupBuyGroupOut], auth=api_auth)
def group_mine(request: ApiRequest) -> list[GroupBuyGroupOut]:
    """The caller's groups, newest first."""
    return [_out(view, request.auth.pk) for view in my_groups(user=request.auth)]


@router.get("/groups/{int:group_id}", response=GroupBuyGroupOut, auth=api_auth)
def group_get(request: ApiRequest, group_id: int) -> GroupBuyGroupOut:
    """One group: seats left, members (names masked), deadline. Anyone logged in with the link."""
    return _out(group_view(group_id=group_id), request.auth.pk)


@router.get("/merchant/group-buys", response=GroupBuyPage, auth=api_auth)
def group_buys(request: ApiRequest, query: Query[GroupBuyConsoleQuery]) -> Page[GroupBuy]:
    rows = group_buys_of(actor=request.auth, merchant_id=query.merchant_id)
    return paginate(rows, page=query.page, page_size=query.page_size)


@router.post("/merchant/group-buys", response={201: GroupBuyConsoleOut}, auth=api_auth)
def group_buy_new(request: ApiRequest, payload: GroupBuyIn) -> Status[GroupBuy]:
    """Create a group buy; its stock is taken from the supplier's SKU (409 out_of_stock); a price
    below cost needs accept_loss (400 campaign_below_cost)."""
    require_console(request.auth)
    merchant = Merchant.objects.filter(pk=merchant_id_of(actor=request.auth, merchant_id=payload.merchant_id)).first()
    if merchant is None:
        raise NotFound("No such merchant.")
    fields = GroupBuyFields(
        listing_id=payload.listing_id, name=payload.name, size=payload.size, price_fen=payload.price_fen,
        leader_discount_fen=payload.leader_discount_fen, stock=payload.stock, hours=payload.hours,
        per_user_limit=payload.per_user_limit, payment_minutes=payload.payment_minutes,
        virtual_fill_percent=payload.virtual_fill_percent, starts_at=payload.starts_at, ends_at=payload.ends_at,
        funder=payload.funder, rewards=payload.rewards)
    activity = group_buy_create(actor=request.auth, merchant=merchant, fields=fields,
                                accept_loss=payload.accept_loss, activate=payload.activate)
    return Status(201, GroupBuy.objects.select_related("listing__product").get(pk=activity.pk))


@router.post("/merchant/group-buys/{int:activity_id}/status", response=GroupBuyConsoleOut, auth=api_auth)
def group_buy_status(request: ApiRequest, activity_id: int, payload: GroupBuyStatusIn) -> GroupBuy:
    """Activate, pause or end (ending returns the free stock to the SKU)."""
    require_console(request.auth)
    group_buy_set_status(actor=request.auth, activity_id=activity_id, status=payload.status)
    return GroupBuy.objects.select_related("listing__product").get(pk=activity_id)


@router.get("/merchant/group-buys/{int:activity_id}/groups", response=list[GroupConsoleGroupOut], auth=api_auth)
def group_buy_groups(request: ApiRequest, activity_id: int) -> list[GroupConsoleGroupOut]:
    """The activity's groups with every member (virtual ones flagged) and refund states."""
    require_console(request.auth)
    _activity, views = activity_groups(actor=request.auth, activity_id=activity_id)
    return [GroupConsoleGroupOut(
        id=v.group.pk, size=v.group.size, paid=v.paid, seats_left=v.seats_left, deadline=v.group.deadline,
        state=v.state, virtual_members=v.group.virtual_members,
        members=[GroupConsoleMemberOut(name=m.name, initial=m.initial, leader=m.leader, paid=m.paid, virtual=m.virtual,
                                  member_id=m.member_id, order_id=m.order_id, refund_state=m.refund_state)
                 for m in v.members]) for v in views]
