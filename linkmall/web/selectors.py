"""Reads shaped for the consumer pages: the cart grouped by shop, my orders, one order's parcels.

Every read is scoped to the buyer: another consumer's order answers "not found". Each function
runs a fixed number of queries however many lines there are.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db.models import Count, OuterRef, Prefetch, Subquery

from linkmall.accounts.models import User
from linkmall.campaigns.pricing import LinePrice
from linkmall.catalog.models import Product, ProductImage, Supplier
from linkmall.core.errors import NotFound
from linkmall.customers.early_access import may_buy
from linkmall.orders.models import CartLine, Fulfilment, Order, OrderLine
from linkmall.orders.quotes import Quote, line_in, order_quote
from linkmall.stores.models import Listing, Merchant, Store


def _main_image(product_ref: str = "product_id") -> Subquery:
    return Subquery(
        ProductImage.objects.filter(product_id=OuterRef(product_ref)).order_by("position", "id").values("image")[:1]
    )


def _url(name: str | None) -> str:
    return default_storage.url(name) if name else ""


@dataclass
class CartItem:
    line: CartLine
    image_url: str
    #: the line's price step by step at checkout (None until priced, or when it cannot be bought)
    price: LinePrice | None = None

    @property
    def listing(self):
        return self.line.listing

    @property
    def available(self) -> bool:
        listing = self.line.listing
        return listing.is_active and listing.sku.is_active and listing.product.status == Product.Status.ACTIVE

    @property
    def stock(self) -> int:
        return self.line.listing.sku.stock

    @property
    def enough_stock(self) -> bool:
        return self.stock >= self.line.quantity

    @property
    def total_fen(self) -> int:
        return self.line.listing.price_fen * self.line.quantity


@dataclass
class CartGroup:
    merchant: Merchant
    items: list[CartItem] = field(default_factory=list)

    @property
    def total_fen(self) -> int:
        return sum(i.total_fen for i in self.items if i.available)

    @property
    def can_checkout(self) -> bool:
        return any(i.available for i in self.items) and all(i.enough_stock for i in self.items if i.available)


def cart_view(*, user: User, merchant_id: int | None = None) -> list[CartGroup]:
    """The user's cart, one group per merchant (an order is placed per merchant). One query."""
    lines = (
        CartLine.objects.filter(user=user)
        .select_related("listing__merchant", "listing__sku__supplier", "listing__product")
        .annotate(main_image=_main_image("listing__product_id"))
        .order_by("listing__merchant_id", "added_at", "pk")
    )
    if merchant_id is not None:
        lines = lines.filter(listing__merchant_id=merchant_id)
    groups: dict[int, CartGroup] = {}
    for line in lines:
        merchant = line.listing.merchant
        group = groups.setdefault(merchant.pk, CartGroup(merchant=merchant))
        group.items.append(CartItem(line=line, image_url=_url(line.main_image)))
    return list(groups.values())


@dataclass
class SupplierGroup:
    supplier: Supplier
    items: list[CartItem]

    @property
    def total_fen(self) -> int:
        return sum(i.total_fen for i in self.items)


@dataclass
class CheckoutPreview:
    merchant: Merchant
    parcels: list[SupplierGroup]
    #: the price of the lines that can be bought, with the chosen coupon and points
    quote: Quote | None = None

    @property
    def items(self) -> list[CartItem]:
        return [i for p in self.parcels for i in p.items]

    @property
    def goods_fen(self) -> int:
        return sum(p.total_fen for p in self.parcels)

    @property
    def problems(self) -> list[CartItem]:
        return [i for i in self.items if not i.available or not i.enough_stock]

    @property
    def payable_fen(self) -> int:
        """What the buyer pays: the priced lines after every discount (the goods without a quote)."""
        return self.quote.priced.paid_fen if self.quote is not None else self.goods_fen


def checkout_price(*, user: User, preview: CheckoutPreview, coupon_id: int | None = None, points: int = 0,
                   best: bool = False) -> Quote | None:
    """Price the preview's lines that can be bought (`orders.quotes.order_quote`, the same function
    that `order_place` stores from) and attach each line's price; None when none can be bought.
    A refused coupon or points amount raises its DomainError. A constant number of queries."""
    items = [i for i in preview.items if i.available]
    if not items:
        return None
    quote = order_quote(buyer=user, merchant=preview.merchant, coupon_id=coupon_id, points=points, best=best,
                        lines=[line_in(i.listing, i.line.quantity) for i in items])
    for item in items:
        item.price = quote.line_price(item.listing.pk)
    preview.quote = quote
    return quote


def _by_supplier(merchant: Merchant, items: list[CartItem]) -> CheckoutPreview:
    groups: dict[int, SupplierGroup] = {}
    for item in items:
        supplier = item.line.listing.sku.supplier
        groups.setdefault(supplier.pk, SupplierGroup(supplier=supplier, items=[])).items.append(item)
    return CheckoutPreview(merchant=merchant, parcels=[groups[k] for k in sorted(groups)])


def checkout_preview_cart(*, user: User, merchant_id: int | None = None) -> CheckoutPreview:
    """What checking out the cart's lines of one merchant would order, split into parcels by supplier.

    Without `merchant_id`, the cart must hold the lines of one merchant only. One query.
    """
    groups = cart_view(user=user, merchant_id=merchant_id)
    if not groups:
        raise NotFound("Nothing of this merchant in the cart.")
    if len(groups) != 1:
        raise NotFound("Choose which shop to check out.")
    return _by_supplier(groups[0].merchant, groups[0].items)


def checkout_preview_listing(*, user: User, listing_id: int, quantity: int) -> CheckoutPreview:
    """What "buy now" of one listing would order. One query."""
    listing = (
        Listing.objects.select_related("merchant", "sku__supplier", "product")
        .annotate(main_image=_main_image())
        .filter(pk=listing_id)
        .first()
    )
    if listing is None or not may_buy(user=user, listing=listing):
        # 新品抢先: before its time a listing is not there for anyone but the merchant's core customers
        raise NotFound("No such listing.")
    line = CartLine(user=user, listing=listing, quantity=quantity)
    return _by_supplier(listing.merchant, [CartItem(line=line, image_url=_url(listing.main_image))])


#: the tabs of "my orders" and the order statuses each shows
ORDER_TABS: dict[str, tuple[str, ...]] = {
    "all": (),
    "to_pay": (Order.Status.PENDING_PAYMENT,),
    "to_ship": (Order.Status.PAID,),
    "shipped": (Order.Status.SHIPPED,),
    "completed": (Order.Status.COMPLETED,),
    "closed": (Order.Status.CANCELLED, Order.Status.CLOSED),
}


@dataclass
class OrderSummary:
    order: Order
    lines: list[OrderLine]
    line_count: int


def buyer_order_list(*, user: User, tab: str = "all", limit: int = 50) -> list[OrderSummary]:
    """The buyer's orders, newest first, with their lines. Two queries."""
    statuses = ORDER_TABS.get(tab, ())
    orders = Order.objects.filter(buyer=user).select_related("merchant").annotate(line_count=Count("lines"))
    if statuses:
        orders = orders.filter(status__in=statuses)
    orders = orders.order_by("-placed_at", "-pk").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("pk"))
    )[:limit]
    return [OrderSummary(order=o, lines=list(o.lines.all()), line_count=o.line_count) for o in orders]


@dataclass
class Parcel:
    fulfilment: Fulfilment
    lines: list[OrderLine]


@dataclass
class OrderDetail:
    order: Order
    parcels: list[Parcel]
    images: dict[int, str]
    aftersales_by_line: dict[int, list]

    @property
    def lines(self) -> list[OrderLine]:
        return [line for p in self.parcels for line in p.lines]

    @property
    def discounts(self) -> dict[str, int]:
        """The order's discounts step by step (campaigns.md §1), summed over its lines."""
        lines = self.lines
        return {
            "activity": sum(line.list_fen - line.activity_fen for line in lines),
            "level": sum(line.level_fen for line in lines),
            "promotion": sum(line.promotion_fen for line in lines),
            "coupon": sum(line.coupon_fen for line in lines),
            "points": sum(line.points_fen for line in lines),
        }

    # What the buttons offer; the services decide again when a button is pressed.
    @property
    def can_pay(self) -> bool:
        return self.order.status == Order.Status.PENDING_PAYMENT

    @property
    def can_confirm_receipt(self) -> bool:
        return self.order.status in (Order.Status.PAID, Order.Status.SHIPPED) and any(
            p.fulfilment.status == Fulfilment.Status.SHIPPED for p in self.parcels
        )

    @property
    def can_request_aftersale(self) -> bool:
        return self.order.status in (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.COMPLETED)

    @property
    def has_actions(self) -> bool:
        return self.can_pay or self.can_confirm_receipt


def buyer_order_detail(*, user: User, number: str) -> OrderDetail:
    """One of the buyer's orders with its parcels (one per supplier) and after-sales. Four queries."""
    from linkmall.aftersales.models import AfterSaleRequest

    order = Order.objects.filter(number=number, buyer=user).select_related("merchant", "store").first()
    if order is None:
        raise NotFound("No such order.")
    fulfilments = list(order.fulfilments.select_related("supplier").order_by("supplier_id"))
    lines = list(
        OrderLine.objects.filter(order=order).annotate(main_image=_main_image()).order_by("pk")
    )
    by_fulfilment: dict[int, list[OrderLine]] = defaultdict(list)
    for line in lines:
        by_fulfilment[line.fulfilment_id].append(line)
    aftersales: dict[int, list] = defaultdict(list)
    for request in AfterSaleRequest.objects.filter(order=order).order_by("pk"):
        aftersales[request.line_id].append(request)
    return OrderDetail(
        order=order,
        parcels=[Parcel(fulfilment=f, lines=by_fulfilment[f.pk]) for f in fulfilments],
        images={line.pk: _url(line.main_image) for line in lines},
        aftersales_by_line=dict(aftersales),
    )


def buyer_order_get(*, user: User, number: str) -> Order:
    order = Order.objects.filter(number=number, buyer=user).first()
    if order is None:
        raise NotFound("No such order.")
    return order


def listing_get(*, listing_id: int) -> Listing:
    """A listing as the cart service needs it (with its SKU and product); the service decides if it sells."""
    listing = Listing.objects.select_related("sku", "product", "merchant").filter(pk=listing_id).first()
    if listing is None:
        raise NotFound("No such listing.")
    return listing


def merchant_get(*, merchant_id: int) -> Merchant:
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise NotFound("No such merchant.")
    return merchant


def store_of_merchant(*, store_id: int | None, merchant_id: int) -> Store | None:
    """The open store `store_id` if it belongs to the merchant, else None (the order then has no store)."""
    if store_id is None:
        return None
    return Store.objects.filter(pk=store_id, merchant_id=merchant_id, is_active=True).first()
