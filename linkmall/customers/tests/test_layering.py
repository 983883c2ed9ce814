from datetime import UTC, datetime
from fractions import Fraction

import numpy as np
import pytest

from linkmall import testing as t
from linkmall.core import clock
from linkmall.customers.models import CustomerSettings, LayerChange, LayerRun, Profile, ScoringModel
from linkmall.customers.scoring import layers_recompute, profile_rescore
from linkmall.customers.scoring.layering import RecomputeRunning
from linkmall.customers.scoring.pagerank import pagerank
from linkmall.customers.scoring.testkit import add_events, add_purchase, add_share, make_visitor

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def test_pagerank_of_a_hand_computed_share_tree_credits_the_sharers():
    # A shared to B and C, B shared to D; reversed, the walk flows to A (dangling, teleports)
    rank = pagerank(np.array([1, 2, 3]), np.array([0, 0, 1]), 4)
    expected = [Fraction(1369, 2909), Fraction(740, 2909), Fraction(400, 2909), Fraction(400, 2909)]
    assert np.allclose(rank, [float(x) for x in expected], atol=1e-10)


def test_pagerank_counts_a_repeated_edge_once():
    assert np.allclose(pagerank(np.array([1, 1, 2]), np.array([0, 0, 0]), 3),
                       pagerank(np.array([1, 2]), np.array([0, 0]), 3), atol=1e-12)


@pytest.fixture
def shop():
    """Five customers of one merchant, each built to land at a known score."""
    clock.freeze(NOW)
    merchant = t.make_merchant()
    people = {name: t.make_consumer() for name in ("u1", "u2", "u3", "u4", "u5")}
    v = {name: make_visitor(user) for name, user in people.items()}
    for days in (5, 40, 100):
        add_purchase(people["u1"], merchant.pk, 10000, days_ago=days)
    add_events(v["u1"], merchant.pk, "product_view", count=10)
    add_share(merchant.pk, v["u1"], v["u4"])
    add_purchase(people["u2"], merchant.pk, 5000, days_ago=200)
    add_events(v["u2"], merchant.pk, "product_view", count=2)
    add_events(v["u3"], merchant.pk, "card_view", count=5)
    add_events(v["u4"], merchant.pk, "card_view")
    Profile.objects.create(merchant=merchant, user=people["u5"])  # known, but silent
    return merchant, people


def _state(merchant, people):
    by_user = {p.user_id: p for p in Profile.objects.filter(merchant=merchant)}
    return {name: (by_user[u.pk].layer, by_user[u.pk].intent_grade,
                   {k: v for k, v in by_user[u.pk].scores.items() if k != "run_layer"})
            for name, u in people.items()}


def test_a_hand_built_merchant_gets_exact_scores_grades_and_layers(shop):
    merchant, people = shop
    seen = []

    run = layers_recompute(merchant_id=merchant.pk, progress=seen.append)

    zero = {"recency": 0.0, "frequency": 0.0, "monetary": 0.0, "influence": 0.0}
    assert _state(merchant, people) == {
        "u1": ("core", "A", {"recency": 1.0, "frequency": 1.0, "monetary": 1.0, "engagement": 1.0,
                             "influence": 1.0, "total": 1.0}),
        "u2": ("active", "B", {"recency": 0.5, "frequency": 0.5, "monetary": 0.5, "engagement": 0.75,
                               "influence": 0.0, "total": 0.475}),
        "u3": ("potential", "C", {**zero, "engagement": 0.5, "total": 0.15}),
        "u4": ("potential", "C", {**zero, "engagement": 0.5, "total": 0.15}),
        "u5": ("potential", "D", {**zero, "engagement": 0.0, "total": 0.0}),
    }
    run.refresh_from_db()
    assert (run.status, run.progress, run.counts) == ("done", 100, {
        "core": 1, "active": 1, "potential": 3, "moved": 5,
        "actions": {"birthday_offer": 0, "exclusive_offer": 1, "early_access": 0, "follow_up": 1,
                    "first_purchase": 3}})
    assert seen[0] == 40 and seen[-1] == 100 and seen == sorted(seen)
    assert Profile.objects.filter(merchant=merchant, scored_at=NOW).count() == 5


def test_profiles_are_created_for_every_consumer_with_events_or_purchases_but_not_for_anonymous_visitors():
    clock.freeze(NOW)
    merchant, buyer, viewer = t.make_merchant(), t.make_consumer(), t.make_consumer()
    add_purchase(buyer, merchant.pk, 100, days_ago=3)
    add_events(make_visitor(viewer), merchant.pk, "card_view")
    add_events(make_visitor(), merchant.pk, "card_view", count=4)  # never logged in

    layers_recompute(merchant_id=merchant.pk)

    assert sorted(Profile.objects.filter(merchant=merchant).values_list("user_id", flat=True)) == sorted(
        [buyer.pk, viewer.pk])


def test_raising_and_lowering_thresholds_moves_customers_and_the_report_lists_exactly_the_movers(shop):
    merchant, people = shop
    layers_recompute(merchant_id=merchant.pk)
    CustomerSettings.objects.filter(pk=merchant.pk).update(core_min_score=0.4, active_min_score=0.1)

    run = layers_recompute(merchant_id=merchant.pk)

    assert {name: layer for name, (layer, _, _) in _state(merchant, people).items()} == {
        "u1": "core", "u2": "core", "u3": "active", "u4": "active", "u5": "potential"}
    moves = {(c.profile.user_id, c.from_layer, c.to_layer) for c in LayerChange.objects.filter(run=run)}
    assert moves == {(people["u2"].pk, "active", "core"), (people["u3"].pk, "potential", "active"),
                     (people["u4"].pk, "potential", "active")}


def test_a_move_made_by_a_single_rescore_between_runs_is_reported_by_the_next_run_once(shop):
    merchant, people = shop
    layers_recompute(merchant_id=merchant.pk)
    add_events(make_visitor(people["u5"]), merchant.pk, "product_view", count=30)
    assert profile_rescore(merchant_id=merchant.pk, user_id=people["u5"].pk).layer == "active"

    run = layers_recompute(merchant_id=merchant.pk)
    again = layers_recompute(merchant_id=merchant.pk)

    assert [(c.from_layer, c.to_layer) for c in LayerChange.objects.filter(run=run, profile__user=people["u5"])] \
        == [("potential", "active")]
    assert LayerChange.objects.filter(run=again).count() == 0


def test_a_single_rescore_after_a_run_lands_where_the_run_put_the_customer(shop):
    merchant, people = shop
    layers_recompute(merchant_id=merchant.pk)
    before = _state(merchant, people)

    for user in people.values():
        profile_rescore(merchant_id=merchant.pk, user_id=user.pk)

    assert _state(merchant, people) == before
    assert set(ScoringModel.objects.get(merchant=merchant).reference) == {
        "recency", "frequency", "monetary", "engagement", "influence"}


def test_a_second_recompute_while_one_runs_is_refused_and_changes_nothing(shop):
    merchant, _ = shop
    LayerRun.objects.create(merchant=merchant, started_at=NOW)

    with pytest.raises(RecomputeRunning):
        layers_recompute(merchant_id=merchant.pk)

    assert Profile.objects.filter(merchant=merchant).exclude(layer="").count() == 0
    assert LayerRun.objects.filter(merchant=merchant).count() == 1


def test_a_run_left_running_for_over_an_hour_is_taken_over(shop):
    merchant, _ = shop
    stale = LayerRun.objects.create(merchant=merchant, started_at=datetime(2026, 11, 20, 10, 59, tzinfo=UTC))

    run = layers_recompute(merchant_id=merchant.pk)

    stale.refresh_from_db()
    assert (stale.status, run.status) == ("failed", "done")


@pytest.mark.django_db(transaction=True)
def test_two_racing_recomputes_never_record_a_move_twice():
    clock.freeze(NOW)
    merchant = t.make_merchant()
    for _ in range(6):
        add_events(make_visitor(t.make_consumer()), merchant.pk, "card_view")

    results = t.race(*t.copies(lambda i: layers_recompute(merchant_id=merchant.pk), 2))

    assert all(isinstance(r, LayerRun | RecomputeRunning) for r in results), results
    assert LayerChange.objects.count() == 6
    assert LayerChange.objects.values("profile").distinct().count() == 6


def test_a_run_that_fails_is_marked_failed_and_the_next_one_may_start(shop, monkeypatch):
    merchant, _ = shop

    def broken(*args, **kwargs):
        raise RuntimeError("share graph unreadable")

    monkeypatch.setattr("linkmall.customers.scoring.layering.influence_by_user", broken)
    with pytest.raises(RuntimeError):
        layers_recompute(merchant_id=merchant.pk)
    failed = LayerRun.objects.get(merchant=merchant)
    assert (failed.status, failed.error) == ("failed", "RuntimeError: share graph unreadable")
    assert Profile.objects.filter(merchant=merchant).exclude(layer="").count() == 0

    monkeypatch.undo()
    assert layers_recompute(merchant_id=merchant.pk).status == "done"
