import csv
import datetime as dt
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from linkmall import testing
from linkmall.accounts.models import User
from linkmall.customers.models import Event, Profile, Purchase, ShareEdge, Visitor
from linkmall.customers.synthetic import (
    AlreadyLoaded,
    WorldSpec,
    generate,
    load_world,
    merchant_catalogue,
    write_csv,
)

SPEC = WorldSpec(customers=300, events=6000, items=40, categories=6, stores=2, days=120,
                 start=dt.date(2026, 1, 1), seed=11)
ARRAYS = ["item_category", "interest", "propensity", "first_seen", "referrer", "ev_customer", "ev_kind", "ev_item",
          "ev_time", "ev_dwell_ms", "ev_visit", "ev_shared_by", "pu_customer", "pu_item", "pu_time", "pu_amount_fen"]


def test_the_same_seed_gives_the_same_world_and_another_seed_another():
    first, again = generate(SPEC), generate(SPEC)
    for name in ARRAYS:
        assert np.array_equal(getattr(first, name), getattr(again, name)), name
    other = generate(WorldSpec(**{**SPEC.__dict__, "seed": 12}))
    assert not np.array_equal(first.ev_item, other.ev_item)


def test_the_world_has_exactly_the_asked_shape():
    world = generate(SPEC)
    assert world.interest.shape == (300, 6)
    assert np.allclose(world.interest.sum(axis=1), 1.0, atol=1e-5)
    assert len(world.ev_customer) == 6000
    assert set(np.unique(world.ev_customer)) == set(range(300))  # every customer acted
    assert len(world.pu_customer) == 215
    assert int((world.referrer >= 0).sum()) == 97
    assert np.all(world.referrer < np.arange(300))  # a sharer arrived before the people they brought
    order = np.lexsort((world.ev_time, world.ev_customer))
    assert np.array_equal(order, np.arange(6000))
    assert world.ev_visit[0] == 1 and world.ev_visit.min() == 1
    assert world.ev_time.max() < 120 * 86_400 and world.pu_time.max() < 120 * 86_400
    # a product view carries a product and dwell; a forward names its sharer
    views = world.ev_kind == 2
    assert np.all(world.ev_item[views] >= 0) and np.all(world.ev_item[~views] == -1)
    forwards = world.ev_kind == 5
    assert int(forwards.sum()) == 97 and np.all(world.ev_shared_by[forwards] >= 0)


def test_purchases_follow_interest_so_models_have_signal():
    world = generate(SPEC)
    bought_category = world.item_category[world.pu_item]
    interest_in_bought = world.interest[world.pu_customer, bought_category]
    viewed = world.ev_item >= 0
    interest_in_viewed = world.interest[world.ev_customer[viewed], world.item_category[world.ev_item[viewed]]]
    assert interest_in_bought.mean() > interest_in_viewed.mean() + 0.1


def test_the_csv_files_hold_every_row(tmp_path):
    world = generate(SPEC)
    counts = write_csv(world, tmp_path)
    with (tmp_path / "transactions.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["customer_id", "date", "amount"]
    assert len(rows) - 1 == counts["transactions.csv"] == 215
    assert sum(round(float(r[2]) * 100) for r in rows[1:]) == int(world.pu_amount_fen.sum())
    with (tmp_path / "interactions.csv").open() as f:
        header = next(csv.reader(f))
        assert header == ["user_id", "item_id", "timestamp"]
        assert sum(1 for _ in f) == counts["interactions.csv"] == int((world.ev_item >= 0).sum()) + 215
    with (tmp_path / "events.csv").open() as f:
        assert sum(1 for _ in f) == 6001


def merchant_with_catalogue():
    supplier, merchant = testing.make_supplier(), testing.make_merchant()
    stores = [testing.make_store(merchant), testing.make_store(merchant)]
    guide = testing.make_guide(stores[0])
    products = [testing.make_product(supplier) for _ in range(4)]
    for product in products:
        testing.make_listing(merchant, product.skus.get())
    return merchant, stores, guide, products


@pytest.mark.django_db(transaction=True)
def test_loading_a_world_writes_every_row_for_the_merchant_and_refuses_a_second_load():
    merchant, stores, guide, products = merchant_with_catalogue()
    world = generate(WorldSpec(customers=50, events=900, items=4, categories=2, stores=2, days=60,
                               start=dt.date(2026, 1, 1), seed=3))
    counts = load_world(world, merchant_id=merchant.pk)
    assert counts == {"users": 50, "visitors": 50, "events": 900, "shares": int((world.referrer >= 0).sum()),
                      "purchases": len(world.pu_customer), "profiles": 50}
    assert Event.objects.filter(merchant=merchant).count() == 900
    assert set(Event.objects.exclude(product=None).values_list("product_id", flat=True)) <= {p.pk for p in products}
    assert set(Event.objects.values_list("store_id", flat=True)) == {s.pk for s in stores}
    assert Profile.objects.filter(merchant=merchant).count() == 50
    assert set(Profile.objects.values_list("guide_id", flat=True)) == {guide.pk, None}
    assert ShareEdge.objects.filter(merchant=merchant).count() == counts["shares"]
    assert sum(Purchase.objects.filter(merchant=merchant).values_list("amount_fen", flat=True)) == int(
        world.pu_amount_fen.sum())
    first = Event.objects.filter(user__username=f"syn{merchant.pk}-3-1").order_by("occurred_at").first()
    assert first.occurred_at.tzinfo is not None and first.occurred_at.date() >= dt.date(2026, 1, 1)
    assert first.visit_number == 1
    # the id sequences moved past the block the loader took: the ORM still inserts
    assert testing.make_consumer().pk > User.objects.filter(username__startswith="syn").order_by("-pk")[0].pk
    with pytest.raises(AlreadyLoaded):
        load_world(world, merchant_id=merchant.pk)
    assert Event.objects.count() == 900 and Visitor.objects.count() == 50


@pytest.mark.django_db
def test_the_command_refuses_a_merchant_without_products_and_a_bad_start(tmp_path):
    merchant = testing.make_merchant()
    with pytest.raises(CommandError, match="has no active listings"):
        call_command("synthetic", "--customers", "5", "--events", "10", "--load", "--merchant", str(merchant.pk))
    with pytest.raises(CommandError, match="is not a date"):
        call_command("synthetic", "--customers", "5", "--events", "10", "--out", str(tmp_path), "--start", "x")
    with pytest.raises(CommandError, match="events must be at least the number of customers"):
        call_command("synthetic", "--customers", "5", "--events", "4", "--out", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_the_load_command_gives_each_product_its_own_category_and_price(capsys):
    supplier, merchant = testing.make_supplier(), testing.make_merchant()
    testing.make_store(merchant)
    lipstick, cream = testing.make_category("口红"), testing.make_category("面霜")
    red = testing.make_product(supplier, category=lipstick)
    pink = testing.make_product(supplier, category=lipstick)
    night = testing.make_product(supplier, category=cream)
    for product, price in ((red, 12000), (pink, 8000), (night, 30000)):
        testing.make_listing(merchant, product.skus.get(), price_fen=price)
    call_command("synthetic", "--customers", "60", "--events", "1200", "--load", "--merchant", str(merchant.pk),
                 "--start", "2026-01-01", "--days", "90", "--quiet")
    out = json.loads(capsys.readouterr().out)
    assert out["loaded"]["events"] == 1200 and out["loaded"]["profiles"] == 60
    catalogue = merchant_catalogue(merchant.pk)
    assert (catalogue.products, catalogue.categories, catalogue.prices_fen) == (
        [red.pk, pink.pk, night.pk], [0, 0, 1], [12000, 8000, 30000])
    # the loaded purchases are those of the world drawn with the real categories and prices
    world = generate(WorldSpec(customers=60, events=1200, items=3, categories=2, stores=1, days=90,
                               start=dt.date(2026, 1, 1), seed=7), item_category=[0, 0, 1],
                     item_price_fen=[12000, 8000, 30000])
    assert sorted(Purchase.objects.filter(merchant=merchant).values_list("amount_fen", flat=True)) == sorted(
        world.pu_amount_fen.tolist())
    assert sorted(world.pu_amount_fen.tolist()) != sorted(generate(WorldSpec(
        customers=60, events=1200, items=3, categories=2, stores=1, days=90, start=dt.date(2026, 1, 1),
        seed=7)).pu_amount_fen.tolist())
