from datetime import UTC, datetime

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from linkmall import testing as t
from linkmall.core import clock
from linkmall.core.tasks import run_due
from linkmall.customers.models import Profile
from linkmall.customers.scoring import profile_rescore, profile_rescore_later
from linkmall.customers.scoring.testkit import add_events, add_purchase, make_visitor

pytestmark = pytest.mark.django_db(transaction=True)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(NOW)


def test_a_customer_who_viewed_three_products_for_minutes_this_week_is_grade_a_and_active():
    merchant, user = t.make_merchant(), t.make_consumer()
    visitor = make_visitor(user)
    add_events(visitor, merchant.pk, "product_view", count=3, days_ago=2)
    add_events(visitor, merchant.pk, "dwell", dwell_ms=150_000, days_ago=2)

    profile = profile_rescore(merchant_id=merchant.pk, user_id=user.pk)

    assert (profile.intent_grade, profile.layer, profile.scored_at) == ("A", "active", NOW)
    assert Profile.objects.get(pk=profile.pk).intent_grade == "A"


@pytest.mark.parametrize(("setup", "grade", "layer"), [
    ("booked", "A", "active"),
    ("one_view", "B", "active"),
    ("old_visit", "C", "active"),
    ("two_orders_long_ago", "C", "core"),
    ("nothing", "D", "potential"),
])
def test_the_grade_and_layer_rules(setup, grade, layer):
    merchant, user = t.make_merchant(), t.make_consumer()
    visitor = make_visitor(user)
    if setup == "booked":
        add_events(visitor, merchant.pk, "book", days_ago=10)
    elif setup == "one_view":
        add_events(visitor, merchant.pk, "product_view", days_ago=3)
    elif setup == "old_visit":
        add_events(visitor, merchant.pk, "card_view", days_ago=20)
    elif setup == "two_orders_long_ago":
        add_purchase(user, merchant.pk, 10000, days_ago=100)
        add_purchase(user, merchant.pk, 10000, days_ago=200)
    profile = profile_rescore(merchant_id=merchant.pk, user_id=user.pk)
    assert (profile.intent_grade, profile.layer) == (grade, layer)


def test_another_merchants_events_and_a_fully_refunded_order_do_not_count():
    merchant, other, user = t.make_merchant(), t.make_merchant(), t.make_consumer()
    visitor = make_visitor(user)
    add_events(visitor, other.pk, "book", days_ago=1)
    add_purchase(user, merchant.pk, 5000, days_ago=2, refunded_fen=5000)

    profile = profile_rescore(merchant_id=merchant.pk, user_id=user.pk)

    assert (profile.intent_grade, profile.layer) == ("D", "potential")


def test_rescore_later_runs_once_after_commit_however_often_it_is_asked():
    merchant, user = t.make_merchant(), t.make_consumer()
    add_events(make_visitor(user), merchant.pk, "book", days_ago=1)
    with transaction.atomic():
        for _ in range(3):
            profile_rescore_later(merchant_id=merchant.pk, user_id=user.pk)
        assert DBTaskResult.objects.count() == 0  # nothing before the commit
    profile_rescore_later(merchant_id=merchant.pk, user_id=user.pk)

    assert DBTaskResult.objects.count() == 1
    assert run_due() == 1
    assert Profile.objects.get(merchant=merchant, user=user).intent_grade == "A"


def test_rescore_later_in_a_rolled_back_transaction_queues_nothing():
    merchant, user = t.make_merchant(), t.make_consumer()
    with pytest.raises(RuntimeError), transaction.atomic():
        profile_rescore_later(merchant_id=merchant.pk, user_id=user.pk)
        raise RuntimeError("the business change failed")
    assert DBTaskResult.objects.count() == 0


def test_racing_rescores_of_a_new_customer_make_one_profile():
    merchant, user = t.make_merchant(), t.make_consumer()
    add_events(make_visitor(user), merchant.pk, "book", days_ago=1)

    results = t.race(*t.copies(lambda i: profile_rescore(merchant_id=merchant.pk, user_id=user.pk), 3))

    assert [r.intent_grade for r in results] == ["A", "A", "A"], results
    assert Profile.objects.filter(merchant=merchant, user=user).count() == 1
