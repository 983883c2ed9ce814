"""What a settled or refunded order does to the buyer's campaigns: points and growth, invite
credits, share-to-get progress.

The campaigns app sits below orders and referral in the layer contract, so it cannot read an
order or a referrer itself; settlement calls these two functions inside its own transaction and
each passes the campaigns services plain facts (buyer, merchant, amounts, keys). Every call is
idempotent by the order's reference, as settlement itself may run twice.
"""

from linkmall.campaigns.services.loyalty import loyalty_order_refunded, loyalty_order_settled
from linkmall.campaigns.services.sharing import share_claim_convert
from linkmall.orders.models import Order
from linkmall.referral.invites import invite_order_refunded, invite_order_settled


def order_settled(*, order: Order) -> None:
    """Called by `order_settle` once, in its transaction, after the order's money became available.
    A gift order (an invite prize) earns nothing and counts for no campaign."""
    if order.kind == Order.Kind.GIFT:
        return
    _loyalty_settled(order)
    invite_order_settled(order=order)
    _share_settled(order)


def order_refunded(*, order: Order, refund_key: str) -> None:
    """Called by `order_refunded` after a refund of a paid order was recorded, in its transaction."""
    if order.kind == Order.Kind.GIFT:
        return
    _loyalty_refunded(order, refund_key)
    invite_order_refunded(order=order)


# --- loyalty: points and growth (campaigns.services.loyalty) -------------------------------------------


def _remaining_paid_fen(order: Order) -> int:
    """Σ P of the units not refunded (spec §4: refunds take units from the end of each line)."""
    return sum(line.share_of(line.paid_fen) for line in order.lines.all())


def _loyalty_settled(order: Order) -> None:
    loyalty_order_settled(user=order.buyer, merchant=order.merchant, key=f"order:{order.pk}",
                          paid_fen=_remaining_paid_fen(order), reason=order.number)


def _loyalty_refunded(order: Order, refund_key: str) -> None:
    loyalty_order_refunded(merchant=order.merchant, key=f"order:{order.pk}", paid_fen=_remaining_paid_fen(order),
                           refund_key=refund_key, reason=order.number)


# --- share-to-get: a friend's first settled order (campaigns.services.sharing) -------------------------


def _share_settled(order: Order) -> None:
    """The friend's order counts for their sharer (`orders` campaigns) unless it was refunded in full."""
    if any(line.refunded_quantity < line.quantity for line in order.lines.all()):
        share_claim_convert(friend_id=order.buyer_id, merchant_id=order.merchant_id, order_ref=order.number)
