"""API shapes of after-sales requests. Amounts are given as integer fen and as a yuan string."""

from datetime import datetime

from ninja import Schema
from pydantic import Field

from linkmall.aftersales.access import ACTION_LABELS, ROLE_LABELS
from linkmall.aftersales.models import AfterSaleEvent, AfterSaleRequest
from linkmall.core.money import fen_to_yuan


class ReturnShipmentIn(Schema):
    carrier: str = Field(min_length=1, max_length=50)
    tracking_number: str = Field(min_length=4, max_length=64)


class ApproveIn(Schema):
    note: str = Field("", max_length=500)


class AftersalesRejectIn(Schema):
    note: str = Field(min_length=1, max_length=500)


class EventOut(Schema):
    actor_role: str
    actor_role_label: str
    action: str
    action_label: str
    note: str
    at: datetime

    @staticmethod
    def resolve_actor_role_label(obj: AfterSaleEvent) -> str:
        return str(ROLE_LABELS.get(obj.actor_role, obj.actor_role))

    @staticmethod
    def resolve_action_label(obj: AfterSaleEvent) -> str:
        return str(ACTION_LABELS.get(obj.action, obj.action))


class AfterSaleOut(Schema):
    id: int
    order_id: int
    order_number: str = Field(alias="order.number")
    line_id: int
    product_name: str = Field(alias="line.product_name")
    spec_text: str = Field(alias="line.spec_text")
    kind: str
    kind_label: str
    quantity: int
    amount_fen: int
    amount_yuan: str
    reason: str
    status: str
    status_label: str
    #: who must act by when: the supplier/merchant (requested, return shipped) or the consumer (awaiting return)
    respond_by: datetime
    return_carrier: str
    return_tracking_number: str
    refund_id: int | None
    refund_status: str | None
    #: what was actually paid back (the last units of a line get exactly what is left of it)
    refund_amount_fen: int | None
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj: AfterSaleRequest) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: AfterSaleRequest) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_amount_yuan(obj: AfterSaleRequest) -> str:
        return fen_to_yuan(obj.amount_fen)

    @staticmethod
    def resolve_refund_status(obj: AfterSaleRequest) -> str | None:
        refund = obj.refund  # no query when there is none
        return refund.status if refund is not None else None

    @staticmethod
    def resolve_refund_amount_fen(obj: AfterSaleRequest) -> int | None:
        refund = obj.refund
        return refund.amount_fen if refund is not None else None


class AfterSaleDetailOut(AfterSaleOut):
    photos: list[str]
    #: a reverse relation: ninja's getter lists a related manager itself
    events: list[EventOut]

    @staticmethod
    def resolve_photos(obj: AfterSaleRequest) -> list[str]:
        return [photo.image.url for photo in obj.photos.all()]


class AfterSalePage(Schema):
    #: read from a core.paging.Page cut by `window` (not counted)
    items: list[AfterSaleOut]
    limit: int
    offset: int
    has_more: bool = Field(alias="has_next")
