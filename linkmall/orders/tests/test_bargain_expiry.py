"""A bargain's expiry (砍价过期) as a background task: booked at its `expires_at` when it starts, it
marks the bargain expired when it is still open then, once; a bargain bought with an order (pending
or paid) is left to its order. `linkmall bargain expire` expires every lapsed one at once."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from linkmall import testing as t
from linkmall.campaigns.models import Bargain
from linkmall.campaigns.services.bargain import bargain_expire, bargain_help, bargain_start, bargains_expire
from linkmall.campaigns.tasks_bargain import bargain_expire_task
from linkmall.campaigns.tests.factories import T0
from linkmall.core import clock
from linkmall.core.tasks import run_due
from linkmall.orders.services import order_cancel, order_expire
from linkmall.orders.tests.test_bargain import COST, buy, code_of, make_activity, state
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db

PRICE = 10000


@pytest.fixture
def mall():
    clock.freeze(T0)
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=COST, price_fen=PRICE, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=PRICE)
    return {"merchant": merchant, "listing": listing, "owner": t.make_merchant_owner(merchant)}


def booked(bargain):
    return [(row.run_after, row.args_kwargs["args"]) for row in DBTaskResult.objects.filter(
        task_path=bargain_expire_task.module_path, status=TaskResultStatus.READY)
        if row.args_kwargs["args"] == [bargain.pk]]


def test_starting_books_the_expiry_at_expires_at_and_it_expires_the_open_bargain_once(mall):
    activity = make_activity(mall)
    bargain = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)
    assert bargain_start(buyer=bargain.buyer, activity_id=activity.pk).pk == bargain.pk  # the open one: no 2nd task

    assert booked(bargain) == [(T0 + timedelta(hours=24), [bargain.pk])]
    clock.advance(timedelta(hours=24) - timedelta(seconds=1))
    assert run_due() == 0 and state(bargain) == ("open", PRICE, 0)
    clock.advance(timedelta(seconds=1))

    assert run_due() == 1

    assert state(bargain) == ("expired", PRICE, 0)
    assert bargain_expire(bargain_id=bargain.pk) is False  # a repeat changes nothing
    assert code_of(lambda: bargain_help(helper=t.make_consumer(), bargain_id=bargain.pk)) == "bargain_expired"


def test_the_expiry_is_never_after_the_activitys_end(mall):
    activity = make_activity(mall, ends_at=T0 + timedelta(hours=5))
    bargain = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)

    assert booked(bargain) == [(T0 + timedelta(hours=5), [bargain.pk])]


def test_a_bargain_bought_with_a_pending_order_is_left_to_its_order(mall):
    activity = make_activity(mall)
    bargain = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)
    order = buy(bargain)
    clock.advance(timedelta(hours=24))

    assert bargain_expire(bargain_id=bargain.pk) is False
    assert state(bargain) == ("bought", PRICE, 0)
    assert Bargain.objects.get(pk=bargain.pk).order_id == order.pk

    # the order lapses after the bargain's time: bargain_order_released expires it, it does not reopen
    order_cancel(actor=bargain.buyer, order=order)
    assert state(bargain) == ("expired", PRICE, 0) and Bargain.objects.get(pk=bargain.pk).order_id is None


def test_a_paid_bargain_stays_bought_when_its_task_runs(mall):
    activity = make_activity(mall)
    bargain = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)
    pay(buy(bargain))
    clock.advance(timedelta(hours=25))

    run_due()

    assert state(bargain) == ("bought", PRICE, 0)


def test_a_bargain_reopened_by_a_lapsed_order_still_expires_at_its_time(mall):
    activity = make_activity(mall)
    bargain = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)
    bargain_help(helper=t.make_consumer(), bargain_id=bargain.pk)
    order = buy(bargain)
    clock.advance(timedelta(hours=1))
    assert order_expire(order_id=order.pk) is True
    cut_price = PRICE - bargain.cuts[0]
    assert state(bargain) == ("open", cut_price, 1)

    clock.advance(timedelta(hours=23))
    run_due()

    assert state(bargain) == ("expired", cut_price, 1)
    assert Bargain.objects.get(pk=bargain.pk).order_id is None
    again = bargain_start(buyer=bargain.buyer, activity_id=activity.pk)  # a new one may start
    assert again.pk != bargain.pk and state(again) == ("open", PRICE, 0)


def test_the_command_expires_every_lapsed_open_bargain_and_nothing_else(mall):
    activity = make_activity(mall)
    early = [bargain_start(buyer=t.make_consumer(), activity_id=activity.pk) for _ in range(2)]
    bought = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)
    buy(bought)
    clock.advance(timedelta(hours=12))
    late = bargain_start(buyer=t.make_consumer(), activity_id=activity.pk)
    clock.advance(timedelta(hours=12))
    out = io.StringIO()

    call_command("bargain", "expire", stdout=out)

    assert json.loads(out.getvalue()) == {"expired": 2}
    assert [state(b)[0] for b in (*early, bought, late)] == ["expired", "expired", "bought", "open"]
    assert bargains_expire() == 0
    # the tasks booked for them find nothing left to do
    run_due()
    done = DBTaskResult.objects.filter(task_path=bargain_expire_task.module_path,
                                       status=TaskResultStatus.SUCCESSFUL)
    assert sorted((row.args_kwargs["args"], row.return_value) for row in done) == [
        ([early[0].pk], False), ([early[1].pk], False), ([bought.pk], False)]
