"""Flash sales (秒杀) on the database path, through the real services: a sale takes its stock from
the SKU, an attempt holds units and places the order at the sale price, payment sells them, the
payment window or a cancel gives them back, and the end returns the rest to the supplier."""

from datetime import timedelta

import pytest

from linkmall import testing as t
from linkmall.campaigns.models import FlashBuyer, FlashEntry, FlashSale
from linkmall.campaigns.services.flash import FlashSaleFields, flash_end, flash_sale_create, flash_sale_set_status
from linkmall.campaigns.tests.factories import T0
from linkmall.catalog.models import Sku
from linkmall.core import clock
from linkmall.core.errors import Conflict, DomainError, InvalidInput
from linkmall.ledger.selectors import ledger_verify
from linkmall.orders.flash import flash_attempt
from linkmall.orders.models import Order
from linkmall.orders.services import order_cancel, order_expire
from linkmall.payments.services import refund_create
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db

PRICE, COST, FLASH = 10000, 4000, 5900


@pytest.fixture
def mall():
    clock.freeze(T0)
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=COST, price_fen=PRICE, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=PRICE)
    return {"merchant": merchant, "listing": listing, "owner": t.make_merchant_owner(merchant),
            "operator": t.make_platform_user()}


def fields(mall, **overrides):
    values = {"listing_id": mall["listing"].pk, "name": "10点秒杀", "starts_at": T0 + timedelta(hours=1),
              "ends_at": T0 + timedelta(hours=2), "price_fen": FLASH, "stock": 10, "per_user_limit": 1}
    values.update(overrides)
    return FlashSaleFields(**values)


def make_sale(mall, **overrides):
    return flash_sale_create(actor=mall["owner"], merchant=mall["merchant"], fields=fields(mall, **overrides))


def buyer():
    user = t.make_consumer()
    return user, t.make_address(user)


def attempt(sale, who, token="f-1", quantity=1):
    user, address = who
    return flash_attempt(buyer=user, sale_id=sale.pk, address=address, client_token=token, quantity=quantity)


def sku_stock(mall):
    return Sku.objects.get(pk=mall["listing"].sku_id).stock


def counts(sale):
    sale.refresh_from_db()
    return sale.held, sale.sold, sale.returned


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def test_creating_a_sale_takes_its_stock_from_the_supplier_and_books_its_end(mall):
    sale = make_sale(mall)

    assert sku_stock(mall) == 90
    assert (sale.stock, sale.status, sale.payment_minutes, sale.funder, sale.rewards) == (10, "active", 5, "merchant", False)


def test_a_sale_may_start_now_or_minutes_ago_and_is_on_sale_at_once(mall):
    sale = make_sale(mall, starts_at=T0 - timedelta(minutes=5), ends_at=T0 + timedelta(hours=1))

    order = attempt(sale, buyer())

    assert order.lines.get().activity_fen == FLASH
    assert counts(sale) == (1, 0, 0)


def test_an_attempt_places_an_order_at_the_flash_price_with_the_short_payment_window(mall):
    sale = make_sale(mall)
    clock.freeze(T0 + timedelta(hours=1))

    order = attempt(sale, buyer())

    line = order.lines.get()
    assert (line.list_fen, line.activity_fen, line.paid_fen, order.total_fen) == (PRICE, FLASH, FLASH, FLASH)
    assert order.expires_at == clock.now() + timedelta(minutes=5)
    assert counts(sale) == (1, 0, 0)
    assert sku_stock(mall) == 90  # the unit came from the sale's own stock
    assert FlashEntry.objects.get(order_id=order.pk).status == "held"


def test_a_retry_with_the_same_token_returns_the_first_order_and_holds_nothing_more(mall):
    sale = make_sale(mall, per_user_limit=2)
    clock.freeze(T0 + timedelta(hours=1))
    who = buyer()

    assert attempt(sale, who).pk == attempt(sale, who).pk
    assert counts(sale) == (1, 0, 0)


def test_refusals_before_the_start_after_the_end_when_paused_and_beyond_the_limit_change_nothing(mall):
    sale = make_sale(mall)
    who = buyer()
    assert code_of(lambda: attempt(sale, who)) == "flash_not_started"
    clock.freeze(T0 + timedelta(hours=1))
    flash_sale_set_status(actor=mall["owner"], sale_id=sale.pk, status="paused")
    assert code_of(lambda: attempt(sale, who)) == "flash_paused"
    flash_sale_set_status(actor=mall["owner"], sale_id=sale.pk, status="active")
    attempt(sale, who)
    assert code_of(lambda: attempt(sale, who, token="f-2")) == "flash_limit_reached"
    clock.freeze(T0 + timedelta(hours=2))
    assert code_of(lambda: attempt(sale, buyer())) == "flash_ended"

    assert counts(sale) == (1, 0, 0)
    assert Order.objects.count() == 1
    assert FlashBuyer.objects.get(sale=sale).taken == 1


def test_the_last_unit_goes_to_one_buyer_and_the_next_is_sold_out(mall):
    sale = make_sale(mall, stock=1)
    clock.freeze(T0 + timedelta(hours=1))
    attempt(sale, buyer())

    assert code_of(lambda: attempt(sale, buyer())) == "flash_sold_out"
    assert counts(sale) == (1, 0, 0)
    assert Order.objects.count() == 1


def test_an_expired_unpaid_order_puts_its_unit_back_on_sale_and_the_buyer_may_try_again(mall):
    sale = make_sale(mall, stock=1)
    clock.freeze(T0 + timedelta(hours=1))
    who = buyer()
    order = attempt(sale, who)
    clock.advance(timedelta(minutes=5))

    assert order_expire(order_id=order.pk) is True

    assert counts(sale) == (0, 0, 0)
    assert sku_stock(mall) == 99  # back to the sale, not to the supplier
    assert FlashEntry.objects.get(order_id=order.pk).status == "released"
    again = attempt(sale, who, token="f-2")
    assert again.pk != order.pk and counts(sale) == (1, 0, 0)


def test_a_cancelled_order_after_the_end_returns_its_unit_to_the_supplier(mall):
    sale = make_sale(mall)
    clock.freeze(T0 + timedelta(hours=1, minutes=58))
    who = buyer()
    order = attempt(sale, who)
    clock.freeze(T0 + timedelta(hours=2))
    assert flash_end(sale_id=sale.pk) is True
    assert counts(sale) == (1, 0, 9) and sku_stock(mall) == 99

    order_cancel(actor=who[0], order=order)

    assert counts(sale) == (0, 0, 10)
    assert sku_stock(mall) == 100


def test_payment_sells_the_unit_and_the_end_returns_the_unsold_rest_once(mall):
    sale = make_sale(mall)
    clock.freeze(T0 + timedelta(hours=1))
    order = attempt(sale, buyer())
    pay(order)
    assert counts(sale) == (0, 1, 0)

    clock.freeze(T0 + timedelta(hours=2))
    assert flash_end(sale_id=sale.pk) is True
    assert flash_end(sale_id=sale.pk) is False

    sale.refresh_from_db()
    assert (sale.status, sale.sold, sale.returned) == ("ended", 1, 9)
    assert sku_stock(mall) == 99
    order.refresh_from_db()
    assert order.status == "paid"


def test_the_end_task_before_the_end_changes_nothing(mall):
    sale = make_sale(mall)
    assert flash_end(sale_id=sale.pk) is False
    assert counts(sale) == (0, 0, 0) and sku_stock(mall) == 90


def test_a_paid_flash_order_and_its_refund_keep_the_ledger_balanced(mall):
    sale = make_sale(mall)
    clock.freeze(T0 + timedelta(hours=1))
    order = attempt(sale, buyer())
    pay(order)
    report = ledger_verify()
    assert report.ok, report

    refund_create(actor=mall["operator"], order=order, lines=[(order.lines.get().pk, 1)], reason="",
                  idempotency_key="r-1")

    order.refresh_from_db()
    assert order.refunded_fen == FLASH
    report = ledger_verify()
    assert report.ok, report
    assert counts(sale) == (0, 1, 0)  # sold stays sold; the unit went back to the supplier's shelf
    assert sku_stock(mall) == 91


def test_creation_checks_the_terms_and_the_supplier_stock_and_changes_nothing_when_refused(mall):
    with pytest.raises(InvalidInput) as caught:
        make_sale(mall, starts_at=T0 - timedelta(minutes=6), price_fen=PRICE)
    assert set(caught.value.detail["fields"]) == {"starts_at", "price_fen"}
    with pytest.raises(InvalidInput) as caught:
        make_sale(mall, price_fen=COST - 1)
    assert caught.value.code == "campaign_below_cost"
    with pytest.raises(Conflict) as caught:
        make_sale(mall, stock=101)
    assert caught.value.code == "out_of_stock"
    other = t.make_listing(t.make_merchant(), mall["listing"].sku, price_fen=PRICE)
    with pytest.raises(InvalidInput) as caught:
        make_sale(mall, listing_id=other.pk)
    assert set(caught.value.detail["fields"]) == {"listing_id"}

    assert FlashSale.objects.count() == 0 and sku_stock(mall) == 100
    sale = flash_sale_create(actor=mall["owner"], merchant=mall["merchant"], fields=fields(mall, price_fen=COST - 1),
                             accept_loss=True)
    assert sale.price_fen == COST - 1


def test_ending_by_hand_returns_the_stock_and_refuses_a_second_move(mall):
    sale = make_sale(mall)
    flash_sale_set_status(actor=mall["owner"], sale_id=sale.pk, status="ended")

    assert counts(sale) == (0, 0, 10) and sku_stock(mall) == 100
    assert code_of(lambda: flash_sale_set_status(actor=mall["owner"], sale_id=sale.pk, status="active")) \
        == "campaign_state"
