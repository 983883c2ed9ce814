from datetime import UTC, date, datetime, timedelta

import pytest

from linkmall import testing as t
from linkmall.core import clock
from linkmall.customers.models import LayerRun, Outreach, Profile, Reminder
from linkmall.customers.scoring import layers_recompute
from linkmall.customers.scoring.actions import FOLLOW_UP_BODY, _birthday_in, layer_actions_run
from linkmall.customers.scoring.layering import RecomputeRunning
from linkmall.customers.scoring.testkit import add_purchase

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday of ISO week 47
pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    clock.freeze(NOW)
    merchant = t.make_merchant()
    guide = t.make_guide(t.make_store(merchant))

    def person(layer, **extra):
        return Profile.objects.create(merchant=merchant, user=t.make_consumer(), layer=layer, guide=guide, **extra)

    people = {
        "core_birthday_soon": person("core", birthday=date(1990, 11, 26)),
        "core_birthday_later": person("core", birthday=date(1990, 3, 2)),
        "active": person("active"),
        "potential_never_bought": person("potential"),
        "potential_bought_once": person("potential"),
    }
    add_purchase(people["potential_bought_once"].user, merchant.pk, 3000, days_ago=300)
    supplier = t.make_supplier()
    clock.freeze(NOW - timedelta(days=20))
    t.make_listing(merchant, t.make_product(supplier, name="旧款面霜").skus.get())
    clock.freeze(NOW - timedelta(days=3))
    t.make_listing(merchant, t.make_product(supplier, name="新款精华").skus.get())
    clock.freeze(NOW)
    return merchant, guide, people


def _outreach(people):
    names = {p.pk: name for name, p in people.items()}
    return sorted((names[o.profile_id], o.kind, o.period, o.detail) for o in Outreach.objects.all())


def test_each_layer_gets_its_treatment_once_per_period(shop):
    merchant, guide, people = shop

    counts = layer_actions_run(merchant_id=merchant.pk)

    assert counts == {"birthday_offer": 1, "exclusive_offer": 2, "early_access": 2, "follow_up": 1,
                      "first_purchase": 1}
    assert _outreach(people) == [
        ("core_birthday_later", "early_access", "2026-W47", "新品抢先：新款精华"),
        ("core_birthday_later", "exclusive_offer", "2026-11", "核心客户专属优惠"),
        ("core_birthday_soon", "birthday_offer", "2026", "生日礼遇：生日当月专享优惠（11月26日）"),
        ("core_birthday_soon", "early_access", "2026-W47", "新品抢先：新款精华"),
        ("core_birthday_soon", "exclusive_offer", "2026-11", "核心客户专属优惠"),
        ("potential_never_bought", "first_purchase", "2026-11", "首单激励：首次下单立享优惠"),
    ]
    reminder = Reminder.objects.get()
    assert (reminder.profile_id, reminder.guide_id, reminder.body, reminder.due_at, reminder.source) == (
        people["active"].pk, guide.pk, FOLLOW_UP_BODY, NOW + timedelta(days=1), "layer_active")


def test_running_the_actions_twice_in_a_period_adds_nothing(shop):
    merchant, _, people = shop
    layer_actions_run(merchant_id=merchant.pk)
    before = (_outreach(people), Reminder.objects.count())

    again = layer_actions_run(merchant_id=merchant.pk)

    assert again == {"birthday_offer": 0, "exclusive_offer": 0, "early_access": 0, "follow_up": 0,
                     "first_purchase": 0}
    assert (_outreach(people), Reminder.objects.count()) == before


def test_a_new_period_brings_new_offers_and_a_done_reminder_makes_room_for_the_next(shop):
    merchant, _, people = shop
    layer_actions_run(merchant_id=merchant.pk)
    Reminder.objects.update(done_at=NOW)
    clock.freeze(NOW + timedelta(days=14))  # December, ISO week 49: the new products are now old news

    counts = layer_actions_run(merchant_id=merchant.pk)

    assert counts == {"birthday_offer": 0, "exclusive_offer": 2, "early_access": 0, "follow_up": 1,
                      "first_purchase": 1}
    assert Reminder.objects.filter(done_at__isnull=True).count() == 1


@pytest.mark.parametrize(("today", "birthday", "expected"), [
    (date(2026, 11, 20), date(1990, 11, 2), date(2026, 11, 2)),  # earlier this month still counts
    (date(2026, 11, 28), date(1990, 12, 3), date(2026, 12, 3)),  # within 7 days, next month
    (date(2026, 12, 29), date(1990, 1, 2), date(2027, 1, 2)),  # within 7 days, next year
    (date(2026, 11, 20), date(1990, 12, 20), None),
    (date(2026, 2, 10), date(1992, 2, 29), date(2026, 2, 28)),  # leap-day birthday in a common year
])
def test_birthday_window(today, birthday, expected):
    assert _birthday_in(today, birthday) == expected


def test_a_recompute_runs_the_actions_and_records_their_counts():
    clock.freeze(NOW)
    merchant = t.make_merchant()
    buyer = t.make_consumer()
    add_purchase(buyer, merchant.pk, 3000, days_ago=2)

    run = layers_recompute(merchant_id=merchant.pk)

    assert run.counts["actions"] == {"birthday_offer": 0, "exclusive_offer": 0, "early_access": 0,
                                     "follow_up": 1, "first_purchase": 0}
    assert LayerRun.objects.get().counts == run.counts


@pytest.mark.django_db(transaction=True)
def test_racing_recomputes_leave_one_reminder_and_one_offer_per_customer():
    clock.freeze(NOW)
    merchant = t.make_merchant()
    for _ in range(4):
        add_purchase(t.make_consumer(), merchant.pk, 3000, days_ago=2)

    results = t.race(*t.copies(lambda i: layers_recompute(merchant_id=merchant.pk), 3))

    assert all(isinstance(r, LayerRun | RecomputeRunning) for r in results), results
    assert Reminder.objects.count() == 4
    assert Reminder.objects.values("profile").distinct().count() == 4
