"""Supplier stock. Every change is one guarded UPDATE, so concurrent buyers never oversell.

The check `stock >= n` lives in the WHERE clause, not in Python: two transactions that both read
"3 left" would otherwise both take 3. The number of rows the UPDATE changed tells us who won.
"""

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role, require_tenant
from linkmall.catalog.models import Sku
from linkmall.core.errors import Conflict, InvalidInput, NotFound


def _require_positive_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidInput("Quantity must be a positive whole number.", detail={"field": "quantity"})


def _available(sku_id: int) -> int | None:
    return Sku.objects.filter(pk=sku_id).values_list("stock", flat=True).first()


def _quantities(quantities: Mapping[int, int]) -> dict[int, int]:
    if not quantities:
        raise InvalidInput("Nothing to reserve.", detail={"field": "quantities"})
    for quantity in quantities.values():
        _require_positive_quantity(quantity)
    return dict(sorted(quantities.items()))


def _per_sku(quantities: dict[int, int]) -> Case:
    return Case(*(When(pk=sku_id, then=Value(q)) for sku_id, q in quantities.items()),
                output_field=IntegerField())


def sku_stock_reserve_many(*, quantities: Mapping[int, int]) -> None:
    """Take stock of several SKUs at once, all or nothing: {sku_id: quantity}.

    Two statements whatever the number of SKUs: the rows are locked in id order (so two
    checkouts never wait on each other in a cycle), then one guarded UPDATE takes every
    quantity where enough is left. If it changed fewer rows than asked, the savepoint undoes it
    and `Conflict(code="out_of_stock")` names the first SKU that was short.
    """
    wanted = _quantities(quantities)
    with transaction.atomic():
        locked = list(Sku.objects.filter(pk__in=wanted).order_by("pk").select_for_update().values_list("pk", flat=True))
        changed = 0
        if len(locked) == len(wanted):
            per_sku = _per_sku(wanted)
            changed = (Sku.objects.filter(pk__in=wanted).alias(wanted_qty=per_sku)
                       .filter(stock__gte=F("wanted_qty")).update(stock=F("stock") - per_sku))
        if changed == len(wanted):
            return
        transaction.set_rollback(True)
    stock = dict(Sku.objects.filter(pk__in=wanted).values_list("pk", "stock"))
    for sku_id, quantity in wanted.items():
        if sku_id not in stock:
            raise NotFound("No such SKU.", detail={"sku_id": sku_id})
        if stock[sku_id] < quantity:
            raise Conflict("Not enough stock.", code="out_of_stock",
                           detail={"sku_id": sku_id, "requested": quantity, "available": stock[sku_id]})
    raise Conflict("Not enough stock.", code="out_of_stock", detail={"sku_ids": list(wanted)})


def sku_stock_reserve(*, sku_id: int, quantity: int) -> None:
    """Take `quantity` units of one SKU's stock, or raise `Conflict(code="out_of_stock")`."""
    sku_stock_reserve_many(quantities={sku_id: quantity})


def sku_stock_release_many(*, quantities: Mapping[int, int]) -> None:
    """Give back units taken by a reservation (order cancelled, expired or refunded): one UPDATE."""
    wanted = _quantities(quantities)
    changed = Sku.objects.filter(pk__in=wanted).update(stock=F("stock") + _per_sku(wanted))
    if changed != len(wanted):
        raise NotFound("No such SKU.", detail={"sku_ids": list(wanted)})


def sku_stock_release(*, sku_id: int, quantity: int) -> None:
    sku_stock_release_many(quantities={sku_id: quantity})


def sku_stock_adjust(*, actor: User, sku: Sku, delta: int) -> int:
    """A supplier counts its shelves: add (or, with a negative delta, remove) units. Returns the new stock.

    Stock never goes below zero: removing more than is left is refused and changes nothing.
    """
    require_role(actor, Role.SUPPLIER_STAFF, Role.PLATFORM)
    require_tenant(actor, sku.supplier_id, what="SKU")
    if isinstance(delta, bool) or not isinstance(delta, int):
        raise InvalidInput("Delta must be a whole number.", detail={"field": "delta"})
    if delta == 0:
        stock = _available(sku.pk)
        if stock is None:
            raise NotFound("No such SKU.", detail={"sku_id": sku.pk})
        sku.stock = stock
        return stock
    rows = Sku.objects.filter(pk=sku.pk)
    if delta < 0:
        rows = rows.filter(stock__gte=-delta)
    if rows.update(stock=F("stock") + delta) != 1:
        available = _available(sku.pk)
        if available is None:
            raise NotFound("No such SKU.", detail={"sku_id": sku.pk})
        raise Conflict(
            "Stock cannot go below zero.",
            code="stock_below_zero",
            detail={"sku_id": sku.pk, "delta": delta, "available": available},
        )
    stock = _available(sku.pk)
    if stock is None:  # deleted since the update: as for a zero delta
        raise NotFound("No such SKU.", detail={"sku_id": sku.pk})
    sku.stock = stock
    return stock
