"""API shapes of after-sales requests. Amounts are given as integer fen and as a yuan string."""

from datetime import datetime

from ninja import Schema
from pydantic import Field

from linkmall.aftersales.access import ACTION_LABELS, ROLE_LABELS
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
    def resolve_actor_role_label(obj) -> str:
        return str(ROLE_LABELS.get(obj.actor_role, obj.actor_role))

    @staticmethod
    def resolve_action_label(obj) -> str:
        return str(ACTION_LABELS.get(obj.action, obj.action))


class AfterSaleOut(Schema):
    id: int
    order_id: int
    order_number: str
    line_id: int
    product_name: str
    spec_text: str
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
    def resolve_order_number(obj) -> str:
        return obj.order.number

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.line.product_name

    @staticmethod
    def resolve_spec_text(obj) -> str:
        return obj.line.spec_text

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_amount_yuan(obj) -> str:
        return fen_to_yuan(obj.amount_fen)

    @staticmethod
    def resolve_refund_status(obj) -> str | None:
        return obj.refund.status if obj.refund_id else None

    @staticmethod
    def resolve_refund_amount_fen(obj) -> int | None:
        return obj.refund.amount_fen if obj.refund_id else None


class AfterSaleDetailOut(AfterSaleOut):
    photos: list[str]
    events: list[EventOut]

    @staticmethod
    def resolve_photos(obj) -> list[str]:
        return [photo.image.url for photo in obj.photos.all()]

    @staticmethod
    def resolve_events(obj) -> list:
        return list(obj.events.all())


class AfterSalePage(Schema):
    items: list[AfterSaleOut]
    limit: int
    offset: int
    has_more: bool
