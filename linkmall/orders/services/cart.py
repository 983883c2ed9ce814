"""The consumer's cart. Lines may come from several merchants; checkout takes one merchant's lines."""

from django.db import IntegrityError, transaction
from django.db.models import F

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_owner, require_role
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.customers.early_access import require_may_buy
from linkmall.orders.models import CartLine
from linkmall.stores.models import Listing
from linkmall.stores.pricing import listing_price_allowed

MAX_QUANTITY = 999
MAX_CART_LINES = 100


def _check_quantity(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(
            f"Quantity must be a whole number from 1 to {MAX_QUANTITY}.",
            detail={"field": "quantity", "max": MAX_QUANTITY},
        )
    return quantity


def _check_buyable(listing: Listing) -> None:
    if not (listing.is_active and listing.sku.is_active and listing.product.status == "active"):
        raise Conflict("This item is not on sale.", code="not_available", detail={"listing_id": listing.pk})
    if not listing_price_allowed(price_fen=listing.price_fen, cost_fen=listing.sku.cost_fen):
        # the supplier raised its cost above the merchant's price: never sell at a loss to the supplier
        raise Conflict("This item is not on sale at this price.", code="not_available",
                       detail={"listing_id": listing.pk, "reason": "price_below_cost"})


def cart_add(*, user: User, listing: Listing, quantity: int) -> CartLine:
    """Put `quantity` more of a listing in the cart (adds to a line already there)."""
    require_role(user, Role.CONSUMER)
    _check_quantity(quantity)
    _check_buyable(listing)
    require_may_buy(user=user, listings=[listing])  # 新品抢先: core customers only until its time
    with transaction.atomic():
        # add to an existing line with a guarded UPDATE; the cap keeps the total within 1..999
        changed = CartLine.objects.filter(user=user, listing=listing, quantity__lte=MAX_QUANTITY - quantity).update(
            quantity=F("quantity") + quantity
        )
        if changed == 0:
            if CartLine.objects.filter(user=user, listing=listing).exists():
                raise InvalidInput(f"At most {MAX_QUANTITY} of one item.", detail={"field": "quantity"})
            if CartLine.objects.filter(user=user).count() >= MAX_CART_LINES:
                raise Conflict("The cart is full.", code="cart_full", detail={"max": MAX_CART_LINES})
            try:
                with transaction.atomic():
                    return CartLine.objects.create(user=user, listing=listing, quantity=quantity)
            except IntegrityError:
                # a concurrent add created the line first: add to it instead
                return cart_add(user=user, listing=listing, quantity=quantity)
        return CartLine.objects.get(user=user, listing=listing)


def cart_set_quantity(*, user: User, line: CartLine, quantity: int) -> CartLine:
    require_owner(user, line.user_id, what="cart line")
    _check_quantity(quantity)
    if CartLine.objects.filter(pk=line.pk, user_id=line.user_id).update(quantity=quantity) != 1:
        raise NotFound("No such cart line.")
    line.quantity = quantity
    return line


def cart_remove(*, user: User, line: CartLine) -> None:
    require_owner(user, line.user_id, what="cart line")
    CartLine.objects.filter(pk=line.pk, user_id=line.user_id).delete()
