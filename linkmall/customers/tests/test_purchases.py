"""Purchase facts follow the order: recorded when paid, refunds copied, the profile touched."""

from datetime import UTC, datetime

import pytest
from django_tasks_db.models import DBTaskResult

from linkmall import testing
from linkmall.core import clock
from linkmall.customers.models import Profile, Purchase
from linkmall.orders.services import order_apply_refund, order_mark_paid
from linkmall.orders.tests.factories import make_shop, place

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    clock.freeze(T0)
    yield
    clock.reset()


@pytest.fixture
def shop():
    shop = make_shop(suppliers=2, skus_per_supplier=1, price_fen=9900)
    shop.extra["store"] = testing.make_store(shop.merchant)
    shop.extra["guide"] = testing.make_guide(shop.extra["store"])
    return shop


def paid_order(shop, **kwargs):
    order = place(shop, [(shop.listings[0].pk, 2), (shop.listings[1].pk, 1)], store=shop.extra["store"],
                  guide=shop.extra["guide"], **kwargs)
    return order_mark_paid(order_id=order.pk, paid_at=T0)


def test_a_paid_order_becomes_a_purchase_fact_and_a_profile_looked_after_by_its_guide(
        shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(shop)

    purchase = Purchase.objects.get()
    assert (purchase.merchant_id, purchase.store_id, purchase.user_id, purchase.source, purchase.reference,
            purchase.amount_fen, purchase.refunded_fen, purchase.occurred_at) == (
        shop.merchant.pk, shop.extra["store"].pk, shop.buyer.pk, "mall", order.number, order.total_fen, 0, T0)
    assert purchase.product_ids == sorted({shop.listings[0].product_id, shop.listings[1].product_id})
    profile = Profile.objects.get()
    assert (profile.user_id, profile.guide_id, profile.last_seen_at) == (shop.buyer.pk, shop.extra["guide"].pk, T0)
    assert DBTaskResult.objects.filter(task_path="linkmall.customers.scoring.tasks.profile_rescore_task").count() == 1


def test_a_refund_is_copied_onto_the_purchase(shop):
    order = paid_order(shop)
    line = order.lines.order_by("pk").first()

    order_apply_refund(order_id=order.pk, lines=[(line.pk, 1, 9900)])

    assert Purchase.objects.get().refunded_fen == 9900


def test_a_payment_refused_for_an_order_already_paid_records_nothing_more(shop):
    order = paid_order(shop)

    with pytest.raises(Exception, match="not waiting for payment"):
        order_mark_paid(order_id=order.pk, paid_at=T0)

    assert Purchase.objects.count() == 1


def test_an_existing_guide_is_kept_when_another_guides_order_is_paid(shop):
    first_guide = testing.make_guide(shop.extra["store"])
    Profile.objects.create(merchant=shop.merchant, user=shop.buyer, guide=first_guide)

    paid_order(shop)

    assert Profile.objects.get().guide_id == first_guide.pk
