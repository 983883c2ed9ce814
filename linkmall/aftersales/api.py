"""/api/v1/aftersales: consumers ask and follow up; suppliers and merchants answer.

Every handler looks the request up through a selector scoped to the caller, so another
tenant's request answers 404 and is never touched.
"""

from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.aftersales import selectors, services
from linkmall.aftersales.schemas import (
    AfterSaleDetailOut,
    AfterSalePage,
    AftersalesRejectIn,
    ApproveIn,
    ReturnShipmentIn,
)
from linkmall.core.errors import NotFound
from linkmall.core.paging import Page, window
from linkmall.orders.models import OrderLine

router = Router(tags=["aftersales"])


class ListParams(Schema):
    #: a status, or "open" for every request somebody still has to act on
    status: str | None = Field(None, max_length=20)
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


def _page(queryset, params: ListParams) -> Page:
    return window(queryset, offset=params.offset, limit=params.limit)


def _detail(request, request_id: int):
    return selectors.aftersale_get(actor=request.auth, request_id=request_id)


@router.post("/requests", response={201: AfterSaleDetailOut}, auth=api_auth)
def create_request(
    request,
    line_id: Form[int],
    kind: Form[str],
    quantity: Form[int],
    reason: Form[str],
    # `File[list[UploadedFile] | None]` would add "null" to the OpenAPI schema (and `File[...] | None` turns
    # the files into a query parameter); ninja reads a None default as "optional" without either
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    """Ask for after-sales on one order line (multipart form; up to 6 photos in `photos`)."""
    line = OrderLine.objects.filter(pk=line_id).first()
    if line is None:
        raise NotFound("No such order line.")
    created = services.aftersale_request(
        actor=request.auth, line=line, kind=kind, quantity=quantity, reason=reason, photos=photos or ()
    )
    return Status(201, _detail(request, created.pk))


@router.get("/requests/mine", response=AfterSalePage, auth=api_auth)
def list_mine(request, params: Query[ListParams]):
    return _page(selectors.aftersale_list_for_consumer(actor=request.auth, status=params.status), params)


@router.get("/requests/supplier", response=AfterSalePage, auth=api_auth)
def list_for_supplier(request, params: Query[ListParams]):
    return _page(selectors.aftersale_list_for_supplier(actor=request.auth, status=params.status), params)


@router.get("/requests/merchant", response=AfterSalePage, auth=api_auth)
def list_for_merchant(request, params: Query[ListParams]):
    return _page(selectors.aftersale_list_for_merchant(actor=request.auth, status=params.status), params)


@router.get("/requests/{request_id}", response=AfterSaleDetailOut, auth=api_auth)
def get_request(request, request_id: int):
    return _detail(request, request_id)


@router.post("/requests/{request_id}/withdraw", response=AfterSaleDetailOut, auth=api_auth)
def withdraw(request, request_id: int):
    services.aftersale_withdraw(actor=request.auth, request=_detail(request, request_id))
    return _detail(request, request_id)


@router.post("/requests/{request_id}/return-shipment", response=AfterSaleDetailOut, auth=api_auth)
def ship_return(request, request_id: int, payload: ReturnShipmentIn):
    services.aftersale_return_ship(
        actor=request.auth,
        request=_detail(request, request_id),
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
    )
    return _detail(request, request_id)


@router.post("/requests/{request_id}/approve", response=AfterSaleDetailOut, auth=api_auth)
def approve(request, request_id: int, payload: ApproveIn):
    services.aftersale_approve(actor=request.auth, request=_detail(request, request_id), note=payload.note)
    return _detail(request, request_id)


@router.post("/requests/{request_id}/reject", response=AfterSaleDetailOut, auth=api_auth)
def reject(request, request_id: int, payload: AftersalesRejectIn):
    services.aftersale_reject(actor=request.auth, request=_detail(request, request_id), note=payload.note)
    return _detail(request, request_id)


@router.post("/requests/{request_id}/return-received", response=AfterSaleDetailOut, auth=api_auth)
def return_received(request, request_id: int):
    services.aftersale_return_receive(actor=request.auth, request=_detail(request, request_id))
    return _detail(request, request_id)
