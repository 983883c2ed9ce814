"""Reads of carts, orders and fulfilments, each scoped to who is asking."""

from collections.abc import Sequence

from django.db.models import Prefetch, QuerySet

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.core.errors import NotAuthenticated, NotFound
from linkmall.core.paging import Page, paginate
from linkmall.orders.models import CartLine, Fulfilment, Order, OrderLine
from linkmall.orders.quotes import Quote, line_in, order_quote
from linkmall.orders.services.placing import check_lines
from linkmall.stores.models import Listing, Merchant


def _with_lines(queryset: QuerySet[Order]) -> QuerySet[Order]:
    return queryset.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
        Prefetch("fulfilments", queryset=Fulfilment.objects.select_related("supplier").order_by("pk")),
    )


def checkout_quote(
    *, buyer: User, merchant: Merchant, lines: Sequence[tuple[int, int]], coupon_id: int | None = None,
    points: int = 0, best: bool = False,
) -> Quote:
    """What placing `lines` [(listing_id, quantity)] of one merchant would cost the buyer, step by
    step (docs/specs/campaigns.md §1), with the coupon `coupon_id` (or, with `best`, the best usable
    one) and `points`: the same pricing `order_place` stores. Another merchant's listing is not
    found; a refused coupon or points amount raises its refusal. A constant number of queries."""
    require_role(buyer, Role.CONSUMER)
    wanted = check_lines(lines)
    listings = {listing.pk: listing for listing in
                Listing.objects.select_related("product").filter(pk__in=list(wanted), merchant=merchant)}
    missing = sorted(set(wanted) - set(listings))
    if missing:
        raise NotFound("No such listing.", detail={"listing_ids": missing})
    return order_quote(buyer=buyer, merchant=merchant, coupon_id=coupon_id, points=points, best=best,
                       lines=[line_in(listings[pk], quantity) for pk, quantity in wanted.items()])


def cart_lines(*, user: User) -> list[CartLine]:
    return list(
        CartLine.objects.filter(user=user)
        .select_related("listing__merchant", "listing__sku", "listing__product")
        .order_by("listing__merchant_id", "pk")
    )


def cart_line_get(*, user: User, line_id: int) -> CartLine:
    line = CartLine.objects.filter(pk=line_id, user=user).first()
    if line is None:
        raise NotFound("No such cart line.")
    return line


def order_list_for_buyer(
    *, user: User, status: str | None = None, page: int = 1, page_size: int = 20
) -> Page[Order]:
    """The buyer's own orders, newest first, with their lines and fulfilments (3 queries a page)."""
    queryset = Order.objects.filter(buyer=user)
    if status:
        queryset = queryset.filter(status=status)
    return paginate(_with_lines(queryset.order_by("-placed_at", "-pk")), page=page, page_size=page_size)


def order_get_for_buyer(*, user: User, order_id: int) -> Order:
    if user is None or not user.is_authenticated:
        raise NotAuthenticated("Log in first.")
    order = _with_lines(Order.objects.filter(pk=order_id, buyer=user)).first()
    if order is None:
        raise NotFound("No such order.")
    return order


def order_get_for_staff(*, user: User, order_id: int) -> Order:
    """An order as staff see it: platform staff any; a merchant its own orders; a supplier the
    orders it ships a part of. Everyone else — consumers included — gets not found."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated("Log in first.")
    queryset = Order.objects.filter(pk=order_id)
    if user.role == Role.PLATFORM:
        pass
    elif user.role == Role.MERCHANT_OWNER:
        queryset = queryset.filter(merchant_id=user.tenant_id)
    elif user.role == Role.SUPPLIER_STAFF:
        queryset = queryset.filter(fulfilments__supplier_id=user.tenant_id)
    else:
        raise NotFound("No such order.")
    order = _with_lines(queryset).first()
    if order is None:
        raise NotFound("No such order.")
    return order


def order_list_for_merchant(
    *, user: User, status: str | None = None, page: int = 1, page_size: int = 20
) -> Page[Order]:
    require_role(user, Role.MERCHANT_OWNER)
    queryset = Order.objects.filter(merchant_id=user.tenant_id).select_related("buyer", "store", "guide__user")
    if status:
        queryset = queryset.filter(status=status)
    return paginate(_with_lines(queryset.order_by("-placed_at", "-pk")), page=page, page_size=page_size)


def orders_for_merchant_export(*, user: User, status: str | None = None) -> QuerySet[Order]:
    """Every matching order of the merchant with its lines, for the CSV export (streamed by the caller)."""
    require_role(user, Role.MERCHANT_OWNER)
    queryset = (
        Order.objects.filter(merchant_id=user.tenant_id)
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        .order_by("-placed_at", "-pk")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def fulfilment_list_for_supplier(
    *, user: User, status: str | None = None, page: int = 1, page_size: int = 20
) -> Page[Fulfilment]:
    """The supplier's parts of paid orders (never unpaid ones: those may still expire)."""
    require_role(user, Role.SUPPLIER_STAFF)
    queryset = (
        Fulfilment.objects.filter(supplier_id=user.tenant_id)
        .exclude(status=Fulfilment.Status.AWAITING_PAYMENT)
        .select_related("order")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
    )
    if status:
        queryset = queryset.filter(status=status)
    return paginate(queryset.order_by("order__paid_at", "pk"), page=page, page_size=page_size)


def fulfilment_get_for_supplier(*, user: User, fulfilment_id: int) -> Fulfilment:
    require_role(user, Role.SUPPLIER_STAFF, Role.PLATFORM)
    queryset = Fulfilment.objects.filter(pk=fulfilment_id).exclude(status=Fulfilment.Status.AWAITING_PAYMENT)
    if user.role != Role.PLATFORM:
        queryset = queryset.filter(supplier_id=user.tenant_id)
    fulfilment = queryset.select_related("order").prefetch_related("lines").first()
    if fulfilment is None:
        raise NotFound("No such fulfilment.")
    return fulfilment


def fulfilments_for_export(*, user: User, status: str | None = None) -> QuerySet[Fulfilment]:
    """Every matching fulfilment of the supplier, for the CSV export (streamed by the caller)."""
    require_role(user, Role.SUPPLIER_STAFF)
    queryset = (
        Fulfilment.objects.filter(supplier_id=user.tenant_id)
        .exclude(status=Fulfilment.Status.AWAITING_PAYMENT)
        .select_related("order")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        .order_by("order__paid_at", "pk")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset
