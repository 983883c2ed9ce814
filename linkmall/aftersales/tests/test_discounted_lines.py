"""After-sales of a discounted line (docs/specs/campaigns.md §4): a request asks for what its units
paid, by `unit_share` with units taken from the end, and the refund gives their points back."""

from decimal import Decimal

import pytest

from linkmall import testing
from linkmall.aftersales.services import aftersale_approve, aftersale_request
from linkmall.aftersales.tests.builders import pay
from linkmall.campaigns.models import PointsAccount
from linkmall.campaigns.services import coupon_claim, points_grant
from linkmall.campaigns.tests.factories import make_template
from linkmall.core.errors import Conflict
from linkmall.orders.services import order_place

pytestmark = pytest.mark.django_db


def discounted_order(*, quantity, price_fen, coupon_fen, points):
    supplier, merchant = testing.make_supplier(), testing.make_merchant()
    sku = testing.make_product(supplier, price_fen=price_fen, cost_fen=price_fen // 4, stock=50).skus.get()
    listing = testing.make_listing(merchant, sku, price_fen=price_fen)
    buyer = testing.make_consumer()
    coupon = coupon_claim(user=buyer, template_id=make_template(merchant, value=Decimal(coupon_fen)).pk)
    points_grant(user=buyer, merchant=merchant, points=1000, key="gift", reason="注册")
    order = order_place(buyer=buyer, merchant=merchant, lines=[(listing.pk, quantity)],
                        address=testing.make_address(buyer), client_token="t", coupon_id=coupon.pk, points=points)
    pay(order)
    return order, order.lines.get(), testing.make_merchant_owner(merchant)


def test_a_request_asks_for_what_its_units_paid_and_the_refund_returns_their_points():
    # P = 300.00 − 10.00 − 1.00 = 289.00 over 3 units: 96.34, 96.33, 96.33; points 100: 34, 33, 33
    order, line, owner = discounted_order(quantity=3, price_fen=10000, coupon_fen=1000, points=100)
    assert line.paid_fen == 28900

    request = aftersale_request(actor=order.buyer, line=line, kind="refund_only", quantity=2, reason="不要了")
    assert request.amount_fen == 9633 * 2

    aftersale_approve(actor=owner, request=request)

    line.refresh_from_db()
    assert (line.refunded_quantity, line.refunded_fen) == (2, 19266)
    assert PointsAccount.objects.get(user=order.buyer).balance == 900 + 66
    last = aftersale_request(actor=order.buyer, line=line, kind="refund_only", quantity=1, reason="不要了")
    assert last.amount_fen == 9634


def test_units_that_cost_nothing_have_nothing_to_refund():
    # 3 units at 0.01 less a 0.01 coupon: P = 0.02 = 0.01 + 0.01 + 0.00, and the last unit is free
    order, line, _ = discounted_order(quantity=3, price_fen=1, coupon_fen=1, points=0)
    assert (line.paid_fen, [line.refund_fen(1, remaining=n) for n in (3, 2, 1)]) == (2, [0, 1, 1])

    with pytest.raises(Conflict) as refused:
        aftersale_request(actor=order.buyer, line=line, kind="refund_only", quantity=1, reason="不要了")

    assert refused.value.code == "refund_exceeds"
    assert not line.aftersales.exists()
