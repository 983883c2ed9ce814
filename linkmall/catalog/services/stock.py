"""Supplier stock. Every change is one guarded UPDATE, so concurrent buyers never oversell.

The check `stock >= n` lives in the WHERE clause, not in Python: two transactions that both read
"3 left" would otherwise both take 3. The number of rows the UPDATE changed tells us who won.
"""

from django.db.models import F

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role, require_tenant
from linkmall.catalog.models import Sku
from linkmall.core.errors import Conflict, InvalidInput, NotFound


def _require_positive_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidInput("Quantity must be a positive whole number.", detail={"field": "quantity"})


def _available(sku_id: int) -> int | None:
    return Sku.objects.filter(pk=sku_id).values_list("stock", flat=True).first()


def sku_stock_reserve(*, sku_id: int, quantity: int) -> None:
    """Take `quantity` units of a SKU's stock, or raise `Conflict(code="out_of_stock")`.

    Callers (order placement) run this inside their own transaction, so a later failure in the
    same order rolls the reservation back with it.
    """
    _require_positive_quantity(quantity)
    changed = Sku.objects.filter(pk=sku_id, stock__gte=quantity).update(stock=F("stock") - quantity)
    if changed == 1:
        return
    available = _available(sku_id)
    if available is None:
        raise NotFound("No such SKU.", detail={"sku_id": sku_id})
    raise Conflict(
        "Not enough stock.",
        code="out_of_stock",
        detail={"sku_id": sku_id, "requested": quantity, "available": available},
    )


def sku_stock_release(*, sku_id: int, quantity: int) -> None:
    """Give back units taken by `sku_stock_reserve` (order cancelled, expired or refunded)."""
    _require_positive_quantity(quantity)
    changed = Sku.objects.filter(pk=sku_id).update(stock=F("stock") + quantity)
    if changed != 1:
        raise NotFound("No such SKU.", detail={"sku_id": sku_id})


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
    sku.stock = _available(sku.pk)
    return sku.stock
