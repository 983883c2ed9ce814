"""/api/v1/orders: cart, checkout, my orders; supplier fulfilments; merchant orders."""

from typing import TypedDict, TypeVar

from django.db.models import Model, QuerySet
from ninja import Query, Router, Schema, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.core.errors import NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.core.paging import Page
from linkmall.customers.models import Address
from linkmall.customers.selectors import address_get
from linkmall.orders import selectors, services
from linkmall.orders.models import CartLine, Fulfilment, Order
from linkmall.orders.schemas import (
    CartAddIn,
    CartCheckoutIn,
    CartLineOut,
    CartQuantityIn,
    FulfilmentPage,
    OrderOut,
    OrderPage,
    OrderPlaceIn,
    QuoteIn,
    QuoteOut,
    ShipIn,
    SupplierFulfilmentOut,
)
from linkmall.stores.models import Guide, Listing, Merchant, Store

router = Router(tags=["orders"])

_M = TypeVar("_M", bound=Model)


class PageQuery(Schema):
    status: str | None = Field(None, max_length=20)
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=50)


def _get(queryset: QuerySet[_M], pk: int, what: str, **filters: object) -> _M:
    obj = queryset.filter(pk=pk, **filters).first()
    if obj is None:
        raise NotFound(f"No such {what}.")
    return obj


def _get_if_given(queryset: QuerySet[_M], pk: int | None, what: str, **filters: object) -> _M | None:
    return None if pk is None else _get(queryset, pk, what, **filters)


class _CheckoutContext(TypedDict):
    merchant: Merchant
    address: Address | None
    store: Store | None
    guide: Guide | None
    fulfilment_mode: str
    pickup_store: Store | None


def _checkout_context(user: User, payload: OrderPlaceIn | CartCheckoutIn) -> _CheckoutContext:
    merchant = _get(Merchant.objects.all(), payload.merchant_id, "merchant")
    return {
        "merchant": merchant,
        "address": None if payload.address_id is None else address_get(user=user, address_id=payload.address_id),
        "store": _get_if_given(Store.objects.all(), payload.store_id, "store", merchant=merchant),
        "guide": _get_if_given(Guide.objects.all(), payload.guide_id, "guide", merchant=merchant),
        "fulfilment_mode": payload.fulfilment_mode,
        # the service refuses another merchant's or a closed store as pickup_store_not_found
        "pickup_store": Store.objects.filter(pk=payload.pickup_store_id).first() if payload.pickup_store_id else None,
    }


# --- cart ----------------------------------------------------------------------------------


@router.get("/cart", response=list[CartLineOut], auth=api_auth)
def cart(request: ApiRequest) -> list[CartLine]:
    return selectors.cart_lines(user=request.auth)


@router.post("/cart", response={201: CartLineOut}, auth=api_auth)
def cart_add(request: ApiRequest, payload: CartAddIn) -> Status[CartLine]:
    listing = _get(Listing.objects.select_related("sku", "product"), payload.listing_id, "listing")
    line = services.cart_add(user=request.auth, listing=listing, quantity=payload.quantity)
    return Status(201, selectors.cart_line_get(user=request.auth, line_id=line.pk))


@router.put("/cart/{int:line_id}", response=CartLineOut, auth=api_auth)
def cart_set_quantity(request: ApiRequest, line_id: int, payload: CartQuantityIn) -> CartLine:
    line = selectors.cart_line_get(user=request.auth, line_id=line_id)
    services.cart_set_quantity(user=request.auth, line=line, quantity=payload.quantity)
    return selectors.cart_line_get(user=request.auth, line_id=line_id)


@router.delete("/cart/{int:line_id}", response={204: None}, auth=api_auth)
def cart_remove(request: ApiRequest, line_id: int) -> Status[None]:
    line = selectors.cart_line_get(user=request.auth, line_id=line_id)
    services.cart_remove(user=request.auth, line=line)
    return Status(204, None)


@router.post("/cart/checkout", response={201: OrderOut}, auth=api_auth)
def cart_checkout(request: ApiRequest, payload: CartCheckoutIn) -> Status[Order]:
    order = services.order_place_from_cart(
        buyer=request.auth,
        client_token=payload.client_token,
        note=payload.note,
        coupon_id=payload.coupon_id,
        points=payload.points,
        **_checkout_context(request.auth, payload),
    )
    return Status(201, selectors.order_get_for_buyer(user=request.auth, order_id=order.pk))


# --- the buyer's orders --------------------------------------------------------------------


@router.post("/quote", response=QuoteOut, auth=api_auth)
def quote(request: ApiRequest, payload: QuoteIn) -> dict[str, object]:
    """What placing these lines would cost, step by step, with a coupon (or the best one) and points."""
    merchant = _get(Merchant.objects.all(), payload.merchant_id, "merchant")
    priced_quote = selectors.checkout_quote(
        buyer=request.auth, merchant=merchant, lines=[(line.listing_id, line.quantity) for line in payload.lines],
        coupon_id=payload.coupon_id, points=payload.points, best=payload.best_coupon,
    )
    priced = priced_quote.priced
    return {
        "list": fen_to_yuan(priced.list_fen), "discount": fen_to_yuan(priced.list_fen - priced.paid_fen),
        "paid": fen_to_yuan(priced.paid_fen), "promotion_id": priced.promotion_ref, "coupon_id": priced.coupon_ref,
        "points_used": priced.points_used, "points_held": priced_quote.points_held,
        "points_max": priced_quote.points_max(), "lines": priced.lines,
        "coupons": [{"id": coupon.pk, "name": coupon.template.name, "valid_until": coupon.valid_until,
                     "discount": fen_to_yuan(off)} for coupon, off in priced_quote.coupon_choices()],
    }



@router.post("/", response={201: OrderOut}, auth=api_auth)
def place_order(request: ApiRequest, payload: OrderPlaceIn) -> Status[Order]:
    order = services.order_place(
        buyer=request.auth,
        lines=[(line.listing_id, line.quantity) for line in payload.lines],
        client_token=payload.client_token,
        note=payload.note,
        coupon_id=payload.coupon_id,
        points=payload.points,
        **_checkout_context(request.auth, payload),
    )
    return Status(201, selectors.order_get_for_buyer(user=request.auth, order_id=order.pk))


@router.get("/", response=OrderPage, auth=api_auth)
def my_orders(request: ApiRequest, query: Query[PageQuery]) -> Page[Order]:
    return selectors.order_list_for_buyer(
        user=request.auth, status=query.status, page=query.page, page_size=query.page_size
    )


@router.get("/{int:order_id}", response=OrderOut, auth=api_auth)
def my_order(request: ApiRequest, order_id: int) -> Order:
    return selectors.order_get_for_buyer(user=request.auth, order_id=order_id)


@router.post("/{int:order_id}/cancel", response=OrderOut, auth=api_auth)
def cancel_order(request: ApiRequest, order_id: int) -> Order:
    order = selectors.order_get_for_buyer(user=request.auth, order_id=order_id)
    services.order_cancel(actor=request.auth, order=order)
    return selectors.order_get_for_buyer(user=request.auth, order_id=order_id)


@router.post("/{int:order_id}/confirm-receipt", response=OrderOut, auth=api_auth)
def confirm_receipt(request: ApiRequest, order_id: int) -> Order:
    order = selectors.order_get_for_buyer(user=request.auth, order_id=order_id)
    services.order_confirm_receipt(actor=request.auth, order=order)
    return selectors.order_get_for_buyer(user=request.auth, order_id=order_id)


# --- supplier: fulfilments -----------------------------------------------------------------


@router.get("/supplier/fulfilments", response=FulfilmentPage, auth=api_auth)
def supplier_fulfilments(request: ApiRequest, query: Query[PageQuery]) -> Page[Fulfilment]:
    return selectors.fulfilment_list_for_supplier(
        user=request.auth, status=query.status, page=query.page, page_size=query.page_size
    )


@router.post("/supplier/fulfilments/{int:fulfilment_id}/ship", response=SupplierFulfilmentOut, auth=api_auth)
def ship(request: ApiRequest, fulfilment_id: int, payload: ShipIn) -> Fulfilment:
    fulfilment = selectors.fulfilment_get_for_supplier(user=request.auth, fulfilment_id=fulfilment_id)
    services.fulfilment_ship(
        actor=request.auth, fulfilment=fulfilment, carrier=payload.carrier, tracking_number=payload.tracking_number
    )
    return selectors.fulfilment_get_for_supplier(user=request.auth, fulfilment_id=fulfilment_id)


# --- merchant: orders of my shop -----------------------------------------------------------


@router.get("/merchant/orders", response=OrderPage, auth=api_auth)
def merchant_orders(request: ApiRequest, query: Query[PageQuery]) -> Page[Order]:
    return selectors.order_list_for_merchant(
        user=request.auth, status=query.status, page=query.page, page_size=query.page_size
    )


@router.get("/merchant/orders/{int:order_id}", response=OrderOut, auth=api_auth)
def merchant_order(request: ApiRequest, order_id: int) -> Order:
    require_role(request.auth, Role.MERCHANT_OWNER)
    return selectors.order_get_for_staff(user=request.auth, order_id=order_id)
