"""/api/v1/campaigns/bargains/mine/{bargain_id}/buy: the buyer buys at the bargain's current price.
It places an order, so it lives in orders; mounted in config/api.py beside the campaigns' bargains."""

from ninja import Router, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.customers.selectors import address_get
from linkmall.orders.bargain import bargain_buy
from linkmall.orders.flash_api import ActivityFulfilmentIn, FlashAttemptOut, pickup_store_of
from linkmall.orders.models import Order

router = Router(tags=["campaigns: bargains"])

MAX_ID = 2**31 - 1


class BargainOrderOut(FlashAttemptOut):
    pass


class BargainBuyIn(ActivityFulfilmentIn):
    #: the client's idempotency key: a retry with it returns the same order
    client_token: str = Field(min_length=1, max_length=64)


@router.post("/bargains/mine/{int:bargain_id}/buy", response={201: BargainOrderOut}, auth=api_auth)
def bargain_buy_create(request: ApiRequest, bargain_id: int, payload: BargainBuyIn) -> Status[Order]:
    """201 with the unpaid order at the current price. 409 bargain_expired / bargain_complete /
    bargain_closed; 404 when the bargain is not the caller's, or pickup_store_not_found."""
    pickup_store = pickup_store_of(payload)
    address = None if payload.address_id is None else address_get(user=request.auth, address_id=payload.address_id)
    order = bargain_buy(buyer=request.auth, bargain_id=bargain_id, client_token=payload.client_token,
                        address=address, pickup_store=pickup_store)
    return Status(201, order)
