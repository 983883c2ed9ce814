"""`core.tasks`: delayed work runs once, when the business clock says it is due."""

import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from linkmall.core import clock
from linkmall.core.tasks import enqueue_after, run_due
from linkmall.testing import copies, race

pytestmark = pytest.mark.django_db(transaction=True)

calls: Counter = Counter()
_calls_lock = threading.Lock()


@task()
def remember(name: str) -> str:
    with _calls_lock:
        calls[name] += 1
    if name.startswith("fail"):
        raise ValueError(f"{name} failed on purpose")
    return name


@pytest.fixture(autouse=True)
def _fresh():
    calls.clear()
    clock.freeze(datetime.fromisoformat("2026-05-01T10:00:00+08:00"))
    yield
    clock.reset()


def test_only_due_tasks_run_oldest_first_and_a_failure_does_not_stop_the_rest():
    now = clock.now()
    enqueue_after(remember, now + timedelta(minutes=15), "later")
    enqueue_after(remember, now - timedelta(minutes=1), "fail-early")
    enqueue_after(remember, None, "now")

    assert run_due() == 2
    assert calls == Counter({"fail-early": 1, "now": 1})
    statuses = dict(DBTaskResult.objects.values_list("args_kwargs__args__0", "status"))
    assert statuses == {"later": TaskResultStatus.READY, "fail-early": TaskResultStatus.FAILED,
                        "now": TaskResultStatus.SUCCESSFUL}

    clock.advance(timedelta(minutes=15))
    assert run_due() == 1
    assert calls["later"] == 1
    assert run_due() == 0


@pytest.mark.row_locks
def test_workers_running_due_tasks_at_once_run_each_task_exactly_once():
    names = [f"t{i}" for i in range(30)]
    for name in names:
        enqueue_after(remember, None, name)

    ran = race(*copies(lambda _i: run_due(), 4))

    assert sum(ran) == 30, ran
    assert calls == Counter({name: 1 for name in names})
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}
