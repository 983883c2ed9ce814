"""/api/v1/campaigns: a buyer opens a group buy (拼团) or joins a group. Each places an order, so it
lives in orders; mounted in config/api.py beside the campaigns' group buys."""

from ninja import Router, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.customers.models import Address
from linkmall.customers.selectors import address_get
from linkmall.orders.flash_api import ActivityFulfilmentIn, FlashAttemptOut, pickup_store_of
from linkmall.orders.group import group_join_attempt, group_open_attempt
from linkmall.orders.models import Order

router = Router(tags=["campaigns: group buys"])

MAX_ID = 2**31 - 1


class GroupOrderOut(FlashAttemptOut):
    pass


class GroupSeatIn(ActivityFulfilmentIn):
    #: the client's idempotency key: a retry with it returns the same order
    client_token: str = Field(min_length=1, max_length=64)


def _address(request: ApiRequest, payload: GroupSeatIn) -> Address | None:
    return None if payload.address_id is None else address_get(user=request.auth, address_id=payload.address_id)


@router.post("/group-buys/{int:activity_id}/open", response={201: GroupOrderOut}, auth=api_auth)
def group_open_api(request: ApiRequest, activity_id: int, payload: GroupSeatIn) -> Status[Order]:
    """Open a group as its leader: 201 with the unpaid order. 409 group_not_started / group_paused /
    group_ended / group_sold_out / group_limit_reached; 404 pickup_store_not_found."""
    pickup_store = pickup_store_of(payload)
    order = group_open_attempt(buyer=request.auth, activity_id=activity_id, client_token=payload.client_token,
                               address=_address(request, payload), pickup_store=pickup_store)
    return Status(201, order)


@router.post("/groups/{int:group_id}/join", response={201: GroupOrderOut}, auth=api_auth)
def group_join_api(request: ApiRequest, group_id: int, payload: GroupSeatIn) -> Status[Order]:
    """Join a group: 201 with the unpaid order. 409 group_full / group_failed / group_closed /
    group_already_member / group_limit_reached / group_sold_out / group_not_started / group_paused /
    group_ended; 404 for an unknown group or pickup_store_not_found."""
    pickup_store = pickup_store_of(payload)
    order = group_join_attempt(buyer=request.auth, group_id=group_id, client_token=payload.client_token,
                               address=_address(request, payload), pickup_store=pickup_store)
    return Status(201, order)
