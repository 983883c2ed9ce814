from datetime import UTC, datetime

import pytest

from linkmall import testing as t
from linkmall.core import clock
from linkmall.customers.scoring.features import features_at
from linkmall.customers.scoring.testkit import add_events, add_purchase, make_visitor

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_every_aggregate_of_a_customer_over_two_visitors_and_the_windows():
    clock.freeze(NOW)
    merchant, user = t.make_merchant(), t.make_consumer()
    phone, laptop = make_visitor(user), make_visitor(user)
    add_events(phone, merchant.pk, "card_view", count=2, days_ago=20, visit_number=4)
    add_events(phone, merchant.pk, "product_view", count=3, days_ago=3, visit_number=6)
    add_events(phone, merchant.pk, "dwell", dwell_ms=90_000, days_ago=3, visit_number=6)
    add_events(phone, merchant.pk, "dwell", dwell_ms=30_000, days_ago=12, visit_number=5)
    add_events(laptop, merchant.pk, "product_view", count=2, days_ago=10, visit_number=1)
    add_events(laptop, merchant.pk, "share", count=4, days_ago=2, visit_number=2)
    add_events(laptop, merchant.pk, "ask", count=5, days_ago=9, visit_number=2)
    add_events(laptop, merchant.pk, "book", days_ago=10, visit_number=2)
    add_events(laptop, merchant.pk, "book", days_ago=20, visit_number=1)
    add_events(laptop, merchant.pk, "card_view", days_ago=40, visit_number=1)  # outside the window
    add_purchase(user, merchant.pk, 10000, days_ago=5)
    add_purchase(user, merchant.pk, 4000, days_ago=100, refunded_fen=1000)
    add_purchase(user, merchant.pk, 7000, days_ago=400)
    add_purchase(user, merchant.pk, 5000, days_ago=1, refunded_fen=5000)

    f = features_at(merchant_id=merchant.pk, cutoff=NOW)

    assert f.row(user.pk) == {
        "last_event_at": (NOW.timestamp() - 2 * 86400),
        "visits_30d": 3.0 + 2.0, "visits_7d": 1.0 + 1.0,
        "card_views_30d": 2.0, "product_views_30d": 5.0, "product_views_7d": 3.0,
        "dwell_s_30d": 120.0, "dwell_s_7d": 90.0,
        "shares_30d": 4.0, "books_30d": 2.0, "books_14d": 1.0, "asks_30d": 5.0,
        "orders_all": 3.0, "orders_365d": 2.0, "orders_14d": 1.0, "monetary_365d": 13000.0,
        "last_order_at": NOW.timestamp() - 5 * 86400,
    }
    one = features_at(merchant_id=merchant.pk, cutoff=NOW, user_id=user.pk)
    assert one.row(user.pk) == f.row(user.pk)
