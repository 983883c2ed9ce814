"""A guide's daily digest: yesterday's visitors, products, customers, bookings and reminders, made once."""

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from linkmall.cards import digest
from linkmall.cards.digest_tasks import digest_daily_task, digest_schedule
from linkmall.cards.models import Appointment, Digest
from linkmall.cards.radar import visitor_tag
from linkmall.cards.tests.test_radar import SHANGHAI, World, event, named, visitor
from linkmall.core import clock
from linkmall.core.tasks import run_due
from linkmall.customers.models import Event, Reminder
from linkmall.testing import (
    copies,
    make_consumer,
    make_guide,
    make_merchant,
    make_merchant_owner,
    make_product,
    make_store,
    race,
)

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 24)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def world() -> World:
    clock.freeze(at(24, 10))
    return World()


def busy_day(world: World) -> dict:
    """Yesterday (the 24th) at the store, seen from the morning of the 25th."""
    lipstick = make_product(world.serum.supplier, name="丝绒口红")
    clock.freeze(at(20, 12))
    regular = visitor(key="r" * 32)
    event(world, regular, Event.Kind.CARD_VIEW)  # came before: not new on the 24th
    clock.freeze(at(24, 10))
    zhang = named(world, "张女士", grade="A")
    event(world, zhang, Event.Kind.CARD_VIEW)
    event(world, zhang, Event.Kind.PRODUCT_VIEW, product=world.serum)
    event(world, zhang, Event.Kind.DWELL, product=world.serum, dwell_ms=120_000)
    event(world, zhang, Event.Kind.PRODUCT_VIEW, product=lipstick)
    event(world, regular, Event.Kind.PRODUCT_VIEW, product=world.serum)
    event(world, regular, Event.Kind.SHARE)
    stranger = visitor(key="s" * 32)
    clock.freeze(at(24, 23, 59))
    event(world, stranger, Event.Kind.CARD_VIEW)
    clock.freeze(at(25, 0, 0))
    event(world, stranger, Event.Kind.CARD_VIEW)  # the 25th: tomorrow's digest
    event(world, stranger, Event.Kind.CARD_VIEW, guide=world.other_guide)
    clock.freeze(at(24, 15))
    assert zhang.user is not None
    Appointment.objects.create(store=world.store, guide=world.guide, user=zhang.user, seat=1,
                               starts_at=at(25, 14), created_at=clock.now())
    profile = zhang.user.profiles.get()
    Reminder.objects.create(profile=profile, guide=world.guide, body="回访精华使用感受", due_at=at(25, 10))
    Reminder.objects.create(profile=profile, guide=world.guide, body="下周再说", due_at=at(27, 10))
    Reminder.objects.create(profile=profile, guide=world.guide, body="已做完", due_at=at(24, 10), done_at=at(24, 11))
    clock.freeze(at(25, 9))
    return {"zhang": zhang, "regular": regular, "stranger": stranger, "lipstick": lipstick, "profile": profile}


def test_the_digest_sums_up_yesterday_in_shanghai_time(world):
    seen = busy_day(world)

    body = digest.digest_build(guide_id=world.guide.pk, day=DAY).body

    assert body == {
        "day": "2026-11-24", "visitors": 3, "new_visitors": 2, "events": 7, "card_views": 2, "shares": 1,
        "questions": 0,
        "top_products": [
            {"product_id": world.serum.pk, "name": "玻尿酸精华", "views": 2, "visitors": 2, "dwell_ms": 120_000},
            {"product_id": seen["lipstick"].pk, "name": "丝绒口红", "views": 1, "visitors": 1, "dwell_ms": 0},
        ],
        "hottest": [
            {"name": "张女士", "grade": "A", "layer": "", "profile_id": seen["profile"].pk, "engagement": 7.0,
             "dwell_ms": 120_000},
            {"name": f"访客 {visitor_tag('r' * 32)}", "grade": "", "layer": "", "profile_id": None,
             "engagement": 6.0, "dwell_ms": 0},
            {"name": f"访客 {visitor_tag('s' * 32)}", "grade": "", "layer": "", "profile_id": None,
             "engagement": 1.0, "dwell_ms": 0},
        ],
        "bookings_made": 1,
        "bookings_today": [{"name": "张女士", "time": "14:00", "store": world.store.name}],
        "reminders_due": 1,
        "reminders": [{"body": "回访精华使用感受", "due": "11-25 10:00", "profile_id": seen["profile"].pk,
                       "name": "张女士"}],
        "questions_waiting": 0,
    }


def test_a_digest_is_made_once_however_often_it_is_asked_for(world):
    busy_day(world)
    first = digest.digest_build(guide_id=world.guide.pk, day=DAY)
    Event.objects.all().delete()

    again = digest.digest_build(guide_id=world.guide.pk, day=DAY)

    assert (again.pk, again.body["visitors"]) == (first.pk, 3)  # the stored one, not a new count


@pytest.mark.django_db(transaction=True)
def test_racing_builders_of_one_day_leave_one_digest():
    clock.freeze(at(25, 9))
    world = World()

    results = race(*copies(lambda i: digest.digest_build(guide_id=world.guide.pk, day=DAY).pk, 4))

    assert len(set(results)) == 1 and isinstance(results[0], int)
    assert Digest.objects.filter(guide=world.guide).count() == 1


def test_the_daily_run_is_scheduled_once_for_eight_in_the_morning_and_schedules_the_next(world):
    busy_day(world)  # now 09:00 on the 25th
    quiet = make_guide(world.store)
    quiet.is_active = False
    quiet.save()

    assert digest_schedule() is True
    assert digest_schedule() is False  # already pending
    pending = DBTaskResult.objects.get(task_path=digest_daily_task.module_path)
    assert pending.run_after == at(26, 8)

    clock.freeze(at(26, 8))
    assert run_due() == 3  # the daily run, then one task per active guide

    assert sorted(Digest.objects.values_list("guide_id", "day")) == [
        (world.guide.pk, date(2026, 11, 25)), (world.other_guide.pk, date(2026, 11, 25))]
    assert Digest.objects.get(guide=world.guide).body["visitors"] == 1  # the stranger at midnight
    assert DBTaskResult.objects.get(task_path=digest_daily_task.module_path,
                                    status=TaskResultStatus.READY).run_after == at(27, 8)


def test_the_next_digest_time_is_the_coming_eight_oclock():
    assert digest.next_digest_time(at(25, 7, 59)) == at(25, 8)
    assert digest.next_digest_time(at(25, 8)) == at(26, 8)


def test_the_command_makes_the_digests_now_and_refuses_a_bad_day(world):
    busy_day(world)
    out = StringIO()

    call_command("digest", "run", "--guide", str(world.guide.pk), stdout=out)

    assert out.getvalue() == f"guide {world.guide.pk} 2026-11-24: 3 visitors, 2 new\n"
    with pytest.raises(CommandError, match="not a day: '24/11'"):
        call_command("digest", "run", "--day", "24/11")
    with pytest.raises(CommandError, match="no guide with id 999999"):
        call_command("digest", "run", "--guide", "999999")
    assert Digest.objects.count() == 1


def test_the_digest_page_shows_yesterday_and_links_the_days_before(client, world):
    busy_day(world)
    Digest.objects.create(guide=world.guide, day=DAY - timedelta(days=1), body={"visitors": 9})
    client.force_login(world.guide.user)

    html = client.get("/guide/digest/").content.decode()

    assert '<h1 id="digest-day">11月24日 客户日报</h1>' in html
    assert "<div><b>3</b><span>访客</span></div>" in html
    assert "张女士：回访精华使用感受" in html
    assert '<a href="?day=2026-11-23" class="">11月23日</a>' in html
    assert client.get("/guide/digest/?day=2026-11-23").status_code == 200
    assert client.get("/guide/digest/?day=2026-11-22").status_code == 404  # none was made that day
    assert client.get("/guide/digest/?day=2026-11-25").status_code == 404  # today has not ended
    assert client.get("/guide/digest/?day=nonsense").status_code == 404


def test_only_the_guide_and_their_merchant_owner_read_a_digest(client, world):
    busy_day(world)
    client.force_login(make_merchant_owner(world.merchant))
    assert client.get(f"/guide/digest/?guide={world.guide.pk}").status_code == 200
    client.force_login(make_merchant_owner(make_merchant()))
    assert client.get(f"/guide/digest/?guide={world.guide.pk}").status_code == 404
    client.force_login(make_guide(make_store(make_merchant())).user)
    assert client.get(f"/api/v1/cards/digest?guide={world.guide.pk}").status_code == 404
    client.force_login(make_consumer())
    assert client.get("/api/v1/cards/digest").status_code == 403


def test_the_api_answers_the_digest_as_json(client, world):
    busy_day(world)
    client.force_login(world.guide.user)

    answer = client.get("/api/v1/cards/digest").json()
    future = client.get("/api/v1/cards/digest?day=2026-11-25")

    assert (answer["day"], answer["body"]["visitors"], answer["previous_days"]) == ("2026-11-24", 3, [])
    assert (future.status_code, future.json()["detail"]) == (400, {"latest": "2026-11-24"})
    assert client.get("/api/v1/cards/digest?day=2026-11-01").status_code == 404
