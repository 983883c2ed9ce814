"""What a settled or refunded order does to the buyer's campaigns: points and growth, invite
credits, share-to-get progress.

The campaigns app sits below orders and referral in the layer contract, so it cannot read an
order or a referrer itself; settlement calls these two functions inside its own transaction and
each passes the campaigns services plain facts (buyer, merchant, amounts, keys). Every call is
idempotent by the order's reference, as settlement itself may run twice.
"""

from linkmall.orders.models import Order


def order_settled(*, order: Order) -> None:
    """Called by `order_settle` once, in its transaction, after the order's money became available."""


def order_refunded(*, order: Order, refund_key: str) -> None:
    """Called by `order_refunded` after a refund of a paid order was recorded, in its transaction."""
