import datetime as dt
import json
import math

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from linkmall import testing
from linkmall.catalog.models import Product
from linkmall.core import clock
from linkmall.customers.models import Event, ItemNeighbour, ItemPopularity, Purchase, Visitor
from linkmall.customers.recommend import recommend_for, recommend_refresh
from linkmall.customers.recommend.evaluate import Interactions, split_last_out
from linkmall.customers.recommend.metrics import ndcg_at_k, precision_at_k
from linkmall.customers.recommend.model import top_k
from linkmall.customers.synthetic import WorldSpec, generate, write_csv


def test_precision_counts_hits_among_the_first_k_and_divides_by_k():
    assert precision_at_k([1, 2, 3, 4], {2, 4}, 4) == 0.5
    assert precision_at_k([1, 2, 3, 4], {4}, 3) == 0.0
    assert precision_at_k([7], {7}, 10) == 0.1  # a short list is not rewarded


def test_ndcg_discounts_a_hit_by_its_rank_against_a_perfect_list():
    assert ndcg_at_k([2, 5, 7], {2}, 3) == 1.0
    assert ndcg_at_k([5, 2, 7], {2}, 3) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k([5, 2, 7], {2, 7}, 3) == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))
    assert ndcg_at_k([5, 6, 7], {2}, 3) == 0.0
    assert ndcg_at_k([1, 2, 3, 4], {4}, 3) == 0.0  # beyond k


def test_scored_items_come_first_then_popularity_fills_up():
    scores = np.array([[0.0, 0.5, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    popular = np.array([1.0, 9.0, 5.0, 0.0, 5.0])
    assert top_k(scores, popular, 4).tolist() == [[3, 1, 2, 4], [1, 2, 4, 0]]


def test_each_users_last_interaction_is_held_out():
    data = Interactions(users=np.array([0, 0, 1, 0, 2, 2]), items=np.array([3, 1, 2, 0, 1, 1]),
                        times=np.array([5.0, 1.0, 1.0, 9.0, 2.0, 2.0]), n_users=3, n_items=4)
    train, test_users, held = split_last_out(data)
    assert test_users.tolist() == [0, 2]  # user 1 acted once: only trains
    assert held.tolist() == [0, 1]  # user 0's latest (t=9) and user 2's later row in the file
    assert train.toarray().tolist() == [[0, 1, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]]


def test_on_generated_data_item_item_beats_popularity(tmp_path, capsys):
    world = generate(WorldSpec(customers=2000, events=40000, items=120, categories=8, stores=1, days=180,
                               start=dt.date(2026, 1, 1), seed=21))
    write_csv(world, tmp_path)
    call_command("recommend", "evaluate", "--interactions", str(tmp_path / "interactions.csv"), "--k", "10", "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == {"precision_at_k": 0.038676, "ndcg_at_k": 0.222031}
    assert result["popularity"] == {"precision_at_k": 0.022701, "ndcg_at_k": 0.106399}
    assert (result["users"], result["items"], result["test_users"]) == (1975, 120, 1903)
    assert result["model"]["ndcg_at_k"] > 1.5 * result["popularity"]["ndcg_at_k"]


def evaluate_error(tmp_path, text: str | None, *extra) -> str:
    path = tmp_path / "interactions.csv"
    if text is not None:
        path.write_text(text)
    with pytest.raises(CommandError) as error:
        call_command("recommend", "evaluate", "--interactions", str(path), *extra)
    assert error.value.returncode == 2
    return str(error.value).replace(str(path), "FILE")


def test_bad_interaction_files_exit_2_with_a_message(tmp_path):
    assert evaluate_error(tmp_path, None) == "FILE: no such file"
    assert evaluate_error(tmp_path, "user,item\n1,2\n") == (
        "FILE: missing column(s) user_id, item_id, timestamp; expected a header with user_id, item_id, timestamp")
    assert evaluate_error(tmp_path, "user_id,item_id,timestamp\n1,2,yesterday\n") == (
        "FILE, line 2: expected user_id, item_id and a timestamp (ISO 8601 or seconds), got ['1', '2', 'yesterday']")
    assert evaluate_error(tmp_path, "user_id,item_id,timestamp\n1,2,5\n2,2,6\n") == (
        "no user has two interactions: nothing can be held out")
    assert evaluate_error(tmp_path, "user_id,item_id,timestamp\n1,2,5\n1,3,6\n", "--k", "0") == (
        "--k and --neighbours must be ≥ 1, --k1 ≥ 0 and --b between 0 and 1")


# --- the store service -------------------------------------------------------------------


def shop(products: int = 6):
    supplier, merchant = testing.make_supplier(), testing.make_merchant()
    store = testing.make_store(merchant)
    items = [testing.make_product(supplier) for _ in range(products)]
    for product in items:
        testing.make_listing(merchant, product.skus.get())
    return merchant, store, items


def view(visitor, store, product, *, user=None, minutes=0, dwell_ms=0):
    n = Event.objects.count() + 1
    return Event.objects.create(
        dedupe_key=f"t{n}-{visitor.pk}", kind=Event.Kind.PRODUCT_VIEW, visitor=visitor, user=user,
        merchant_id=store.merchant_id, store=store, product=product, dwell_ms=dwell_ms,
        occurred_at=clock.now() + dt.timedelta(minutes=minutes))


def visitor(n: int, user=None) -> Visitor:
    return Visitor.objects.create(key=f"v{n}-{Visitor.objects.count()}", user=user)


def browsing(store, items):
    """Visitors who look at 0 with 1 and at 2 with 3; product 4 is everyone's favourite."""
    for i in range(6):
        v = visitor(i)
        pair = (items[0], items[1]) if i % 2 == 0 else (items[2], items[3])
        for minutes, product in enumerate((*pair, items[4])):
            view(v, store, product, minutes=minutes)
    view(visitor(99), store, items[4])


@pytest.mark.django_db
def test_refresh_keeps_the_products_seen_together_as_neighbours_and_the_popular_ones():
    merchant, store, items = shop()
    browsing(store, items)
    outcome = recommend_refresh(store_id=store.pk)
    assert (outcome.customers, outcome.products, outcome.popular) == (7, 5, 5)
    neighbours = {(n.product_id, n.neighbour_id) for n in ItemNeighbour.objects.filter(store=store)}
    assert (items[0].pk, items[1].pk) in neighbours and (items[2].pk, items[3].pk) in neighbours
    assert (items[0].pk, items[2].pk) not in neighbours  # never seen together
    assert list(ItemPopularity.objects.filter(store=store).order_by("-score", "product_id")
                .values_list("product_id", "score"))[0] == (items[4].pk, 7.0)
    recommend_refresh(store_id=store.pk)  # idempotent: the same rows again, not twice as many
    assert ItemNeighbour.objects.filter(store=store).count() == outcome.neighbours


@pytest.mark.django_db
def test_a_customer_gets_the_neighbours_of_what_they_viewed_first_and_never_what_they_bought(
        django_assert_num_queries):
    merchant, store, items = shop()
    browsing(store, items)
    recommend_refresh(store_id=store.pk)
    consumer = testing.make_consumer()
    me = visitor(50, user=consumer)
    view(me, store, items[0], user=consumer, minutes=30)
    with django_assert_num_queries(7):  # store, browsers, history, purchases, neighbours, popularity, listed
        first = recommend_for(store_id=store.pk, user_id=consumer.pk, k=3)
    assert first[0] == items[1].pk and items[4].pk in first
    Purchase.objects.create(merchant=merchant, store=store, user=consumer, source="mall", reference="o1",
                            amount_fen=100, occurred_at=clock.now(), product_ids=[items[1].pk])
    assert items[1].pk not in recommend_for(store_id=store.pk, user_id=consumer.pk, k=6)


@pytest.mark.django_db
def test_a_cold_visitor_gets_the_stores_bestsellers_that_are_still_for_sale(django_assert_num_queries):
    merchant, store, items = shop()
    browsing(store, items)
    recommend_refresh(store_id=store.pk)
    Product.objects.filter(pk=items[0].pk).update(status=Product.Status.ARCHIVED)
    merchant.listings.filter(product=items[2]).update(is_active=False)
    stranger = visitor(77)
    with django_assert_num_queries(4):  # store, history, popularity, listed
        cold = recommend_for(store_id=store.pk, visitor=stranger, k=6)
    assert cold[0] == items[4].pk
    assert set(cold) == {items[1].pk, items[3].pk, items[4].pk}  # never seen products are not "popular"
    # on a product page the product on screen seeds the list and is itself left out
    assert recommend_for(store_id=store.pk, visitor=stranger, product_id=items[3].pk, k=2) == [items[4].pk,
                                                                                              items[1].pk]


@pytest.mark.django_db
def test_a_store_without_history_recommends_nothing_and_an_unknown_store_is_refused():
    merchant, store, items = shop(2)
    assert recommend_refresh(store_id=store.pk).products == 0
    assert recommend_for(store_id=store.pk, visitor=visitor(1), k=6) == []
    assert recommend_for(store_id=10**9, k=6) == []
    from linkmall.core.errors import NotFound

    with pytest.raises(NotFound):
        recommend_refresh(store_id=10**9)


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_of_one_store_at_once_leave_one_complete_set():
    merchant, store, items = shop()
    browsing(store, items)
    expected = recommend_refresh(store_id=store.pk).neighbours
    results = testing.race(*testing.copies(lambda i: recommend_refresh(store_id=store.pk), 2))
    assert [r.neighbours for r in results] == [expected, expected]
    assert ItemNeighbour.objects.filter(store=store).count() == expected
    assert ItemPopularity.objects.filter(store=store).count() == 5


@pytest.mark.django_db
def test_the_refresh_command_runs_every_store_of_a_merchant_now_or_in_the_background(capsys):
    from linkmall.core.tasks import run_due

    merchant, store, items = shop()
    browsing(store, items)
    quiet = testing.make_store(merchant)
    call_command("recommend", "refresh", "--merchant", str(merchant.pk), "--json")
    assert [(r["store_id"], r["products"]) for r in json.loads(capsys.readouterr().out)] == [(store.pk, 5),
                                                                                             (quiet.pk, 0)]
    ItemNeighbour.objects.all().delete()
    call_command("recommend", "refresh", "--store", str(store.pk), "--enqueue", "--json")
    assert json.loads(capsys.readouterr().out) == {"enqueued": [store.pk]}
    assert not ItemNeighbour.objects.exists()
    assert run_due() == 1
    assert ItemNeighbour.objects.filter(store=store).exists()
    with pytest.raises(CommandError, match="has no active store"):
        call_command("recommend", "refresh", "--merchant", str(10**6))


@pytest.mark.django_db
def test_a_customers_history_on_each_of_their_browsers_counts(django_assert_num_queries):
    merchant, store, items = shop()
    browsing(store, items)
    recommend_refresh(store_id=store.pk)
    consumer = testing.make_consumer()
    phone, wechat = visitor(60, user=consumer), visitor(61, user=consumer)
    view(phone, store, items[0], user=consumer, minutes=30)
    view(wechat, store, items[2], user=consumer, minutes=40)
    with django_assert_num_queries(8):  # store, browsers, one history per browser, purchases, and three more
        ranked = recommend_for(store_id=store.pk, user_id=consumer.pk, k=6)
    # the newer browser's product (2) leads, so its neighbour 3 comes before 0's neighbour 1
    assert ranked[:3] == [items[4].pk, items[3].pk, items[1].pk]
    assert recommend_for(store_id=store.pk, visitor=phone, k=6)[:2] == [items[1].pk, items[4].pk]
