"""Reads of after-sales requests, always scoped to what the actor may see."""

from django.db.models import Prefetch, QuerySet, Sum

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.aftersales.access import require_role_on
from linkmall.aftersales.models import AfterSaleEvent, AfterSaleRequest
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.orders.models import OrderLine

Status = AfterSaleRequest.Status


def line_open_quantity(*, line_id: int, exclude_request_id: int | None = None) -> int:
    """Units of the line held by requests somebody still has to act on."""
    open_requests = AfterSaleRequest.objects.filter(line_id=line_id, status__in=AfterSaleRequest.OPEN_STATUSES)
    if exclude_request_id is not None:
        open_requests = open_requests.exclude(pk=exclude_request_id)
    return open_requests.aggregate(total=Sum("quantity"))["total"] or 0


def line_requestable_quantity(*, line: OrderLine, exclude_request_id: int | None = None) -> int:
    """Units of the line a consumer may still ask after-sales for: bought, not refunded, not asked for."""
    held = line_open_quantity(line_id=line.pk, exclude_request_id=exclude_request_id)
    return max(line.quantity - line.refunded_quantity - held, 0)


def _base() -> QuerySet[AfterSaleRequest]:
    return AfterSaleRequest.objects.select_related("order", "line", "refund").order_by("-created_at", "-id")


def _filter_status(queryset: QuerySet[AfterSaleRequest], status: str | None) -> QuerySet[AfterSaleRequest]:
    if not status:
        return queryset
    if status == "open":
        return queryset.filter(status__in=AfterSaleRequest.OPEN_STATUSES)
    if status not in Status.values:
        raise InvalidInput("Unknown status.", detail={"field": "status", "allowed": ["open", *Status.values]})
    return queryset.filter(status=status)


def aftersale_list_for_consumer(*, actor: User, status: str | None = None) -> QuerySet[AfterSaleRequest]:
    require_role(actor, Role.CONSUMER)
    return _filter_status(_base().filter(requester=actor), status)


def aftersale_list_for_supplier(*, actor: User, status: str | None = None) -> QuerySet[AfterSaleRequest]:
    """Requests about the lines the actor's supplier ships; platform staff see every request."""
    require_role(actor, Role.SUPPLIER_STAFF, Role.PLATFORM)
    queryset = _base()
    if actor.role != Role.PLATFORM:
        queryset = queryset.filter(line__supplier_id=actor.tenant_id)
    return _filter_status(queryset, status)


def aftersale_list_for_merchant(*, actor: User, status: str | None = None) -> QuerySet[AfterSaleRequest]:
    """Requests about the orders of the actor's merchant; platform staff see every request."""
    require_role(actor, Role.MERCHANT_OWNER, Role.PLATFORM)
    queryset = _base()
    if actor.role != Role.PLATFORM:
        queryset = queryset.filter(order__merchant_id=actor.tenant_id)
    return _filter_status(queryset, status)


def aftersale_get(*, actor: User, request_id: int) -> AfterSaleRequest:
    """One request with its photos and timeline, for any party to it (anyone else: not found)."""
    request = (
        _base()
        .prefetch_related("photos", Prefetch("events", queryset=AfterSaleEvent.objects.order_by("at", "id")))
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound("No such after-sales request.")
    require_role_on(actor, request, "consumer", "supplier", "merchant", "platform")
    return request


def line_for_buyer(*, actor: User, line_id: int) -> OrderLine:
    """An order line of the actor's own orders (anyone else's: not found)."""
    require_role(actor, Role.CONSUMER)
    line = OrderLine.objects.select_related("order", "fulfilment").filter(pk=line_id, order__buyer=actor).first()
    if line is None:
        raise NotFound("No such order line.")
    return line
