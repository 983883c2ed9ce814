"""Real threads against a real database: duplicates and first touches never double up."""

import pytest

from linkmall import testing
from linkmall.core import clock
from linkmall.customers import tracking
from linkmall.customers.models import Event, Profile, ShareEdge, Visitor
from linkmall.testing import copies, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_event_sent_at_once_is_stored_once():
    merchant = testing.make_merchant()
    visitor = Visitor.objects.create(key=tracking._new_key(), consented_at=clock.now())

    results = race(*copies(lambda i: tracking.event_record(visitor=visitor, kind="card_view", merchant_id=merchant.pk,
                                                   dedupe_key="same-tap"), 6))

    assert all(isinstance(r, Event) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Event.objects.count() == 1


def test_first_touches_racing_make_one_profile_with_one_guide():
    merchant = testing.make_merchant()
    store = testing.make_store(merchant)
    guides = [testing.make_guide(store) for _ in range(2)]
    consumer = testing.make_consumer()

    results = race(*copies(lambda i: tracking.profile_touch(merchant_id=merchant.pk, user=consumer,
                                                    guide_id=guides[i % 2].pk), 6))

    assert all(isinstance(r, Profile) for r in results), results
    profile = Profile.objects.get()
    assert {r.pk for r in results} == {profile.pk}
    assert {r.guide_id for r in results} == {profile.guide_id}
    assert profile.guide_id in {g.pk for g in guides}


def test_opens_racing_on_a_new_share_edge_are_all_counted():
    merchant = testing.make_merchant()
    sharer = Visitor.objects.create(key=tracking._new_key(), consented_at=clock.now())
    recipient = Visitor.objects.create(key=tracking._new_key(), consented_at=clock.now())

    results = race(*copies(lambda i: tracking.share_edge_open(merchant_id=merchant.pk, sharer_id=sharer.pk,
                                                      recipient_id=recipient.pk), 5))

    assert results == [None] * 5
    assert list(ShareEdge.objects.values_list("opens", flat=True)) == [5]


def test_the_same_batch_posted_at_once_counts_every_event_exactly_once():
    from linkmall.customers.ingest import events_ingest

    merchant = testing.make_merchant()
    visitor = Visitor.objects.create(key=tracking._new_key(), consented_at=clock.now())
    events = [{"id": f"client-{n:04d}", "kind": "card_view", "merchant": merchant.pk, "store": None, "guide": None,
               "product": None, "section": "", "dwell_ms": 0, "at": None, "shared_by": None} for n in range(10)]

    results = race(*copies(lambda i: events_ingest(visitor=visitor, events=events), 4))

    assert sorted((r.accepted, r.duplicates) for r in results) == [(0, 10), (0, 10), (0, 10), (10, 0)], results
    assert Event.objects.count() == 10


def test_the_same_tag_added_at_once_makes_one_tag_and_one_link():
    from linkmall.customers.crm.access import crm_scope
    from linkmall.customers.crm.services import profile_tag_add
    from linkmall.customers.models import ProfileTag, Tag
    from linkmall.customers.tests.crm_fixtures import make_crm

    crm = make_crm()
    scope = crm_scope(crm.owner)

    results = race(*copies(lambda i: profile_tag_add(scope=scope, profile=crm.mine, name="敏感肌"), 5))

    assert all(isinstance(r, Tag) for r in results), results
    assert (Tag.objects.count(), ProfileTag.objects.count()) == (1, 1)


def test_a_purchase_recorded_twice_at_once_is_one_fact():
    from types import SimpleNamespace

    from linkmall.customers.models import Purchase
    from linkmall.customers.purchases import purchase_record
    from linkmall.customers.tests.crm_fixtures import make_crm

    crm = make_crm()

    class Lines:
        def values_list(self, *args, **kwargs):
            return []

    order = SimpleNamespace(merchant_id=crm.merchant.pk, store_id=None, buyer_id=crm.mine.user_id,
                            buyer=crm.mine.user, number="LM-RACE", total_fen=100, refunded_fen=0,
                            paid_at=clock.now(), placed_at=clock.now(), guide_id=None, lines=Lines())

    results = race(*copies(lambda i: purchase_record(order=order), 4))

    assert all(isinstance(r, Purchase) for r in results), results
    assert Purchase.objects.count() == 1
