"""Builders shared by the operator console tests (pages and API) of the 2+1 engine."""

from linkmall import testing as t
from linkmall.core import clock
from linkmall.orders.services import order_mark_paid, order_place
from linkmall.referral.models import QualifyingProduct
from linkmall.referral.services import plan_acknowledge, plan_draft, plan_go_live
from linkmall.referral.settlement import order_paid


def make_mall() -> dict:
    supplier = t.make_supplier()
    merchant = t.make_merchant()
    gift = t.make_product(supplier, cost_fen=15000, price_fen=49900, stock=1000)
    listing = t.make_listing(merchant, gift.skus.get(), pool_fen=30000)
    QualifyingProduct.objects.create(product=gift)
    return {"supplier": supplier, "merchant": merchant, "listing": listing, "operator": t.make_platform_user()}


def go_live(operator, config: dict):
    plan = plan_draft(actor=operator, config=config)
    plan = plan_acknowledge(actor=operator, plan=plan, codes=[r["code"] for r in plan.compliance])
    return plan_go_live(actor=operator, plan=plan)


def buy(mall: dict, buyer, quantity: int = 1):
    """A paid order of the package, through the same services the payment flow calls."""
    order = order_place(buyer=buyer, merchant=mall["merchant"], lines=[(mall["listing"].pk, quantity)],
                        address=t.make_address(buyer), client_token=f"t-{buyer.pk}-{clock.now().timestamp()}")
    order_mark_paid(order_id=order.pk, paid_at=clock.now())
    order_paid(order_id=order.pk)
    return order
