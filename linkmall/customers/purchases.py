"""Purchase facts for scoring: a paid mall order (orders calls in here) or an imported POS row.

Orders is a higher layer than customers, so these functions read the order they are handed and
never import the orders app. Both run inside the order's transaction: the fact commits or rolls
back with the payment or the refund.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from linkmall.customers.models import Purchase
from linkmall.customers.tracking import _rescore_later, profile_touch


def purchase_record(*, order) -> Purchase:
    """The fact of a paid order, once per order however often payment is confirmed."""
    product_ids = sorted({pid for pid in order.lines.values_list("product_id", flat=True)})
    existing = Purchase.objects.filter(
        merchant_id=order.merchant_id, source=Purchase.Source.MALL, reference=order.number
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            purchase = Purchase.objects.create(
                merchant_id=order.merchant_id, store_id=order.store_id, user_id=order.buyer_id,
                source=Purchase.Source.MALL, reference=order.number, amount_fen=order.total_fen,
                refunded_fen=order.refunded_fen, occurred_at=order.paid_at or order.placed_at,
                product_ids=product_ids,
            )
    except IntegrityError:
        return Purchase.objects.get(merchant_id=order.merchant_id, source=Purchase.Source.MALL,
                                    reference=order.number)
    profile_touch(merchant_id=order.merchant_id, user=order.buyer, guide_id=order.guide_id,
                  seen_at=purchase.occurred_at)
    _rescore_later(merchant_id=order.merchant_id, user_id=order.buyer_id)
    return purchase


def purchase_refund(*, order) -> int:
    """Copy the order's refunded total onto its purchase fact. Returns the rows changed (0 when
    the order was paid before purchase facts existed)."""
    changed = Purchase.objects.filter(
        merchant_id=order.merchant_id, source=Purchase.Source.MALL, reference=order.number
    ).update(refunded_fen=order.refunded_fen)
    if changed:
        _rescore_later(merchant_id=order.merchant_id, user_id=order.buyer_id)
    return changed
