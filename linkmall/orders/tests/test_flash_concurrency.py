"""Real threads on a real database: 50 buyers racing for 10 flash-sale units. The defence is the
guarded UPDATE of the sale's `held` (no row lock is taken first), so this runs on every database;
on PostgreSQL it is the issue's proof of no oversell."""

from datetime import timedelta

import pytest

from linkmall import testing as t
from linkmall.campaigns.models import FlashEntry, FlashSale
from linkmall.campaigns.services.flash import FlashSaleFields, flash_sale_create
from linkmall.core import clock
from linkmall.orders.flash import flash_attempt
from linkmall.orders.models import Order, OrderLine
from linkmall.testing import copies, outcomes, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_buyers_racing_for_ten_units_admit_exactly_ten():
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=4000, price_fen=10000, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=10000)
    start = clock.now() + timedelta(minutes=1)
    sale = flash_sale_create(actor=t.make_merchant_owner(merchant), merchant=merchant, fields=FlashSaleFields(
        listing_id=listing.pk, name="秒杀", starts_at=start, ends_at=start + timedelta(hours=1),
        price_fen=5900, stock=10))
    buyers = [t.make_consumer() for _ in range(50)]
    addresses = [t.make_address(user) for user in buyers]
    clock.freeze(start)

    results = outcomes(race(*copies(lambda i: flash_attempt(
        buyer=buyers[i], sale_id=sale.pk, address=addresses[i], client_token=f"f-{i}").number, 50)))

    admitted = [r for r in results if r != "flash_sold_out"]
    assert len(admitted) == 10 and len(set(admitted)) == 10
    assert results.count("flash_sold_out") == 40
    sale.refresh_from_db()
    assert (sale.held, sale.sold, sale.stock) == (10, 0, 10)
    # from the rows themselves, not from the counters
    assert Order.objects.filter(lines__listing=listing).count() == 10
    assert sum(OrderLine.objects.filter(listing=listing).values_list("quantity", flat=True)) == 10
    assert FlashEntry.objects.filter(sale=sale).count() == 10
    assert sorted(FlashEntry.objects.filter(sale=sale).values_list("buyer_id", flat=True)) == sorted(
        Order.objects.filter(lines__listing=listing).values_list("buyer_id", flat=True))
    assert FlashSale.objects.get(pk=sale.pk).held == 10
