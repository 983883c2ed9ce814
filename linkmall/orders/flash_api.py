"""/api/v1/campaigns/flash/{sale_id}/attempts: a buyer's attempt at a flash sale (秒杀). It places
an order, so it lives in orders; mounted in config/api.py beside the campaigns' flash hall."""

from ninja import Router, Schema, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.customers.selectors import address_get
from linkmall.orders.flash import flash_attempt
from linkmall.orders.models import Order

router = Router(tags=["campaigns: flash sales"])

MAX_ID = 2**31 - 1


class FlashAttemptIn(Schema):
    address_id: int = Field(ge=1, le=MAX_ID)
    #: the client's idempotency key: a retry with it returns the same order
    client_token: str = Field(min_length=1, max_length=64)
    quantity: int = Field(1, ge=1, le=100)


class FlashAttemptOut(Schema):
    number: str
    total_fen: int
    expires_at: str

    @staticmethod
    def resolve_expires_at(order: Order) -> str:
        return order.expires_at.isoformat()


@router.post("/flash/{int:sale_id}/attempts", response={201: FlashAttemptOut}, auth=api_auth)
def flash_attempt_create(request: ApiRequest, sale_id: int, payload: FlashAttemptIn) -> Status[Order]:
    """Admitted: 201 with the unpaid order to pay within the sale's window. Refused: 409
    flash_not_started / flash_ended / flash_paused / flash_sold_out / flash_limit_reached."""
    order = flash_attempt(buyer=request.auth, sale_id=sale_id, client_token=payload.client_token,
                          address=address_get(user=request.auth, address_id=payload.address_id),
                          quantity=payload.quantity)
    return Status(201, order)
