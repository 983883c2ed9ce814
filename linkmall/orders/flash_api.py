"""/api/v1/campaigns/flash/{sale_id}/attempts: a buyer's attempt at a flash sale (秒杀). It places
an order, so it lives in orders; mounted in config/api.py beside the campaigns' flash hall.

Without Redis the attempt places the order at once (201). With REDIS_URL it is admitted in Redis
and answers 202 with a ticket at once; GET …/attempts/{ticket} answers 202 while the worker writes
the order and 200 with the order once it exists.

Every activity's purchase (here, and in group_api and bargain_api) takes `ActivityFulfilmentIn`:
快递配送 to `address_id`, or 到店自提 at `pickup_store_id` (docs/o2o.md, "Activity orders")."""

from typing import Literal

from ninja import Router, Schema, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.campaigns.services.flash_redis import Admission
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.orders.flash import flash_enter, flash_ticket
from linkmall.orders.models import Order
from linkmall.stores.models import Store

router = Router(tags=["campaigns: flash sales"])

MAX_ID = 2**31 - 1
API_ROOT = "/api/v1/"


class ActivityFulfilmentIn(Schema):
    #: the buyer's address: required for a delivery; optional for a pick-up (only its name and phone are used)
    address_id: int | None = Field(None, ge=1, le=MAX_ID)
    #: "delivery" (快递配送, the default) or "pickup" (到店自提 at `pickup_store_id`)
    fulfilment_mode: Literal["delivery", "pickup"] = "delivery"
    #: for a pick-up: one of the merchant's open stores (GET /stores/{merchant_id}/pickup-stores)
    pickup_store_id: int | None = Field(None, ge=1, le=MAX_ID)


def pickup_store_of(payload: ActivityFulfilmentIn) -> Store | None:
    """The pick-up store a request names (None for a delivery). A delivery without `address_id` or
    with a `pickup_store_id`, or a pick-up without one: `invalid_input` (400); an unknown store:
    `pickup_store_not_found` (404; the service refuses another merchant's or a closed one the same
    way)."""
    if payload.fulfilment_mode == "pickup":
        if payload.pickup_store_id is None:
            raise InvalidInput("A pick-up needs pickup_store_id.", detail={"field": "pickup_store_id"})
        store = Store.objects.filter(pk=payload.pickup_store_id).first()
        if store is None:
            raise NotFound("No such store.", code="pickup_store_not_found")
        return store
    if payload.pickup_store_id is not None:
        raise InvalidInput("A pick-up store is only for pick-up orders.", detail={"field": "pickup_store_id"})
    if payload.address_id is None:
        raise InvalidInput("A delivery needs address_id.", detail={"field": "address_id"})
    return None


class FlashAttemptIn(ActivityFulfilmentIn):
    #: the client's idempotency key: a retry with it returns the same order
    client_token: str = Field(min_length=1, max_length=64)
    quantity: int = Field(1, ge=1, le=100)


class FlashAttemptOut(Schema):
    number: str
    total_fen: int
    expires_at: str
    #: "delivery" or "pickup" (到店自提; the pick-up code shows on the order once the parcel is in the store)
    fulfilment_mode: str
    pickup_store_id: int | None

    @staticmethod
    def resolve_expires_at(order: Order) -> str:
        return order.expires_at.isoformat()


class FlashQueuedOut(Schema):
    #: always "queued": admitted, the order is being written (排队中 / 订单生成中)
    state: str = "queued"
    #: poll GET /campaigns/flash/{sale_id}/attempts/{ticket} until it answers 200 with the order
    ticket: str
    poll: str


class FlashTicketOut(FlashAttemptOut):
    #: always "written": the order exists, to pay within the sale's window
    state: str

    @staticmethod
    def resolve_state(order: Order) -> str:
        return "written"


def _queued(admission: Admission) -> FlashQueuedOut:
    return FlashQueuedOut(ticket=admission.ticket,
                          poll=f"{API_ROOT}campaigns/flash/{admission.sale_id}/attempts/{admission.ticket}")


@router.post("/flash/{int:sale_id}/attempts", response={201: FlashAttemptOut, 202: FlashQueuedOut}, auth=api_auth)
def flash_attempt_create(request: ApiRequest, sale_id: int,
                         payload: FlashAttemptIn) -> Status[Order] | Status[FlashQueuedOut]:
    """Admitted: without Redis, 201 with the unpaid order to pay within the sale's window; with
    Redis (REDIS_URL set), 202 with a ticket to poll while the order is written. Refused: 409
    flash_not_started / flash_ended / flash_paused / flash_sold_out / flash_limit_reached; 404
    pickup_store_not_found; 400 invalid_input for a delivery without address_id or a pick-up
    without pickup_store_id. A retry with the same client_token answers the same order or ticket."""
    pickup_store = pickup_store_of(payload)
    entered = flash_enter(buyer=request.auth, sale_id=sale_id, client_token=payload.client_token,
                          address_id=payload.address_id, quantity=payload.quantity, pickup_store=pickup_store)
    if isinstance(entered, Admission):
        return Status(202, _queued(entered))
    return Status(201, entered)


@router.get("/flash/{int:sale_id}/attempts/{ticket}", response={200: FlashTicketOut, 202: FlashQueuedOut},
            auth=api_auth, url_name="flash_attempt_ticket")
def flash_attempt_ticket(request: ApiRequest, sale_id: int, ticket: str) -> Status[Order] | Status[FlashQueuedOut]:
    """The Redis path's ticket: 202 while the order is being written, 200 with the order to pay once
    it exists; 404 for a ticket that is not the caller's. In the rare case the database refused the
    admission, 409 with the refusal's code (the unit went back on sale)."""
    order = flash_ticket(buyer=request.auth, sale_id=sale_id, ticket=ticket)
    if order is None:
        return Status(202, _queued(Admission(sale_id=sale_id, ticket=ticket)))
    return Status(200, order)
