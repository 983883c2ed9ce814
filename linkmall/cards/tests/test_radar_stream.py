"""The radar page, its Server-Sent Events stream and the JSON feed, read in-process."""

import json
from datetime import datetime

import pytest
from django.utils import translation

from linkmall.cards import radar_stream as stream_module
from linkmall.cards.radar import radar_scope_for
from linkmall.cards.radar_stream import parse_cursor, radar_stream
from linkmall.cards.tests.test_radar import SHANGHAI, World, event, named
from linkmall.core import clock
from linkmall.customers.models import Event
from linkmall.testing import make_consumer, make_merchant_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    clock.freeze(datetime(2026, 11, 25, 14, 3, tzinfo=SHANGHAI))
    return World()


@pytest.fixture
def quick_stream(settings):
    settings.LINKMALL = {**settings.LINKMALL, "RADAR_STREAM_SECONDS": 0, "RADAR_POLL_SECONDS": 0,
                         "RADAR_RETRY_MS": 1500}


def frames(chunks) -> list[dict]:
    """The data frames of SSE text, as {"id": ..., "data": {...}}."""
    out = []
    for block in "".join(chunks).split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":"))
        if "data" in fields:
            out.append({"id": int(fields["id"]), "data": json.loads(fields["data"])})
    return out


class FakeTime:
    """A monotonic clock the stream's sleep moves: the stream's timing without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_stream_sends_a_new_event_the_moment_the_guide_reads_on(world):
    zhang = named(world, "张女士")
    old = event(world, zhang, Event.Kind.CARD_VIEW)
    time = FakeTime()
    chunks = radar_stream(scope=radar_scope_for(user=world.guide.user), after=None, language="zh-hans",
                          sleep=time.sleep, monotonic=time.monotonic)

    assert next(chunks) == f"retry: 1000\n: radar {old.pk}\n\n"  # no history: it starts after the newest
    new = event(world, zhang, Event.Kind.PRODUCT_VIEW, product=world.serum, visit=2)
    sent = next(chunks)

    assert sent.startswith(f"id: {new.pk}\ndata: ")
    assert frames([sent])[0]["data"]["line"] == "张女士 浏览了 玻尿酸精华 · 第 2 次访问"
    chunks.close()
    assert stream_module.slots.open == 0


def test_the_stream_speaks_the_requests_language_whatever_the_thread_speaks_when_it_reads_on(world):
    zhang = named(world, "张女士")
    time = FakeTime()
    chunks = radar_stream(scope=radar_scope_for(user=world.guide.user), after=None, language="zh-hans",
                          sleep=time.sleep, monotonic=time.monotonic)
    next(chunks)
    event(world, zhang, Event.Kind.PRODUCT_VIEW, product=world.serum, visit=2)

    with translation.override("en"):  # another request's language left on the thread
        sent = next(chunks)

    assert frames([sent])[0]["data"]["line"] == "张女士 浏览了 玻尿酸精华 · 第 2 次访问"
    chunks.close()
    assert stream_module.slots.open == 0


def test_an_idle_stream_sends_heartbeats_and_ends_after_its_time_so_the_browser_reconnects(world, settings):
    settings.LINKMALL = {**settings.LINKMALL, "RADAR_STREAM_SECONDS": 25, "RADAR_POLL_SECONDS": 1,
                         "RADAR_HEARTBEAT_SECONDS": 10}
    time = FakeTime()

    chunks = list(radar_stream(scope=radar_scope_for(user=world.guide.user), after=0,
                               sleep=time.sleep, monotonic=time.monotonic))

    assert chunks == ["retry: 1000\n: radar 0\n\n", ": heartbeat\n\n", ": heartbeat\n\n"]
    assert (sum(time.slept), len(time.slept)) == (25, 25)
    assert stream_module.slots.open == 0


def test_a_full_process_answers_what_is_new_at_once_and_asks_the_browser_to_come_back_later(world, settings):
    settings.LINKMALL = {**settings.LINKMALL, "RADAR_MAX_STREAMS": 1}
    zhang = named(world, "张女士")
    first = event(world, zhang, Event.Kind.CARD_VIEW)
    scope = radar_scope_for(user=world.guide.user)
    holding = radar_stream(scope=scope, after=None)
    next(holding)  # one stream holds the only slot

    second = list(radar_stream(scope=scope, after=0))

    assert second[0] == "retry: 5000\n: busy\n\n"
    assert [f["id"] for f in frames(second)] == [first.pk]
    holding.close()
    assert stream_module.slots.open == 0


def test_the_stream_view_resumes_after_the_last_event_id_the_browser_saw(client, world, quick_stream):
    zhang = named(world, "张女士")
    seen = event(world, zhang, Event.Kind.CARD_VIEW)
    missed = event(world, zhang, Event.Kind.SHARE)
    client.force_login(world.guide.user)

    response = client.get("/guide/radar/stream?after=0", HTTP_LAST_EVENT_ID=str(seen.pk))

    assert response["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response["Cache-Control"] == "no-cache, no-store"
    body = [chunk.decode() for chunk in response.streaming_content]
    assert body[0] == f"retry: 1500\n: radar {seen.pk}\n\n"
    assert [(f["id"], f["data"]["line"]) for f in frames(body)] == [(missed.pk, "张女士 分享了你的名片")]


def test_the_stream_refuses_strangers_with_a_plain_status_and_no_stream(client, world):
    assert client.get("/guide/radar/stream").status_code == 401
    client.force_login(make_consumer())
    response = client.get("/guide/radar/stream")
    assert (response.status_code, response.content) == (403, b"Only guides and merchant owners have a radar.\n")


def test_a_cursor_is_a_number_from_the_header_first_and_anything_else_is_no_cursor():
    assert parse_cursor(last_event_id="12", after="3") == 12
    assert parse_cursor(last_event_id=None, after="3") == 3
    assert parse_cursor(last_event_id="x", after="-1") is None
    assert parse_cursor(last_event_id="9" * 30, after=None) is None


def test_the_radar_page_lists_the_lines_newest_first_with_the_grade(client, world, django_assert_num_queries):
    zhang = named(world, "张女士", grade="A")
    event(world, zhang, Event.Kind.CARD_VIEW)
    last = event(world, zhang, Event.Kind.PRODUCT_VIEW, product=world.serum)
    client.force_login(world.guide.user)

    with django_assert_num_queries(6):  # session, user, guide, events, profiles, users
        html = client.get("/guide/radar/").content.decode()

    assert html.index("张女士 浏览了 玻尿酸精华") < html.index("张女士 打开了你的名片")
    assert '<span class="grade grade-A"' in html
    assert f'data-stream="/guide/radar/stream?after={last.pk}"' in html


def test_the_radar_page_is_for_guides_and_owners_only(client, world):
    client.force_login(make_consumer())
    assert client.get("/guide/radar/").status_code == 403
    client.force_login(make_merchant_owner(world.merchant))
    assert client.get("/guide/radar/").status_code == 200
    assert client.get(f"/guide/radar/?guide={world.guide.pk + 1000}").status_code == 404


def test_the_api_feed_pages_by_cursor_and_counts_its_queries(client, world, django_assert_num_queries):
    zhang = named(world, "张女士")
    first = event(world, zhang, Event.Kind.CARD_VIEW)
    second = event(world, zhang, Event.Kind.SHARE)
    client.force_login(world.guide.user)

    with django_assert_num_queries(6):  # session, user, guide, events, profiles, users
        newest = client.get("/api/v1/cards/radar").json()
    later = client.get(f"/api/v1/cards/radar?after={first.pk}").json()

    assert [i["id"] for i in newest["items"]] == [second.pk, first.pk]
    assert newest["last_id"] == second.pk
    assert (later["items"][0]["line"], later["last_id"]) == ("张女士 分享了你的名片", second.pk)
    assert client.get("/api/v1/cards/radar?after=-1").status_code == 422
    client.force_login(make_consumer())
    assert client.get("/api/v1/cards/radar").json()["code"] == "permission_denied"
