"""Retention with the clock moved, the daily task, the notice and the privacy page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template.loader import render_to_string

from linkmall import testing
from linkmall.core import clock
from linkmall.core.tasks import run_due
from linkmall.customers import tracking
from linkmall.customers.models import CustomerSettings, Event, ShareEdge, Visitor
from linkmall.customers.retention import events_purge_expired
from linkmall.customers.tasks import retention_schedule

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    clock.freeze(T0)
    yield
    clock.reset()


def visitor(**extra) -> Visitor:
    return Visitor.objects.create(key=tracking._new_key(), consented_at=T0, **extra)


def test_events_older_than_the_merchants_retention_are_deleted_and_empty_visitors_go():
    short, default = testing.make_merchant(), testing.make_merchant()
    CustomerSettings.objects.create(merchant=short, retention_days=30)
    old, fresh, known = visitor(), visitor(), visitor(user=testing.make_consumer())
    tracking.event_record(visitor=old, kind="card_view", merchant_id=short.pk)
    tracking.event_record(visitor=known, kind="card_view", merchant_id=short.pk)
    tracking.event_record(visitor=old, kind="card_view", merchant_id=default.pk, dedupe_key="default-merchant")
    clock.advance(timedelta(days=31))
    tracking.event_record(visitor=fresh, kind="card_view", merchant_id=short.pk, dedupe_key="fresh")

    assert events_purge_expired() == {"events": 2, "visitors": 0}
    assert sorted(Event.objects.values_list("dedupe_key", flat=True)) == ["default-merchant", "fresh"]

    clock.advance(timedelta(days=365))
    assert events_purge_expired() == {"events": 2, "visitors": 2}
    assert list(Visitor.objects.values_list("pk", flat=True)) == [known.pk]


def test_a_visitor_deleted_by_retention_takes_its_share_edges_along():
    merchant = testing.make_merchant()
    sharer, recipient = visitor(), visitor()
    tracking.event_record(visitor=recipient, kind="card_view", merchant_id=merchant.pk, shared_by=sharer)
    clock.advance(timedelta(days=400))

    events_purge_expired()

    assert (Visitor.objects.count(), ShareEdge.objects.count(), Event.objects.count()) == (0, 0, 0)


def test_the_daily_task_purges_and_books_its_next_run_once():
    merchant = testing.make_merchant()
    CustomerSettings.objects.create(merchant=merchant, retention_days=1)
    tracking.event_record(visitor=visitor(), kind="card_view", merchant_id=merchant.pk)
    assert retention_schedule() is True
    assert retention_schedule() is False

    clock.advance(timedelta(days=1, minutes=1))
    assert run_due() == 1
    assert Event.objects.count() == 0
    assert run_due() == 0  # the next run waits for tomorrow
    clock.advance(timedelta(days=1))
    assert run_due() == 1


def test_the_notice_offers_yes_and_no_and_links_the_privacy_page():
    from django.utils import translation

    with translation.override("zh-hans"):
        html = render_to_string("customers/_consent.html")

    assert 'data-consent="yes"' in html and 'data-consent="no"' in html
    assert ">同意<" in html and ">不同意<" in html
    assert 'href="/privacy/tracking/"' in html
    assert "hidden" in html


def test_the_privacy_page_says_what_is_kept_and_for_how_long(client):
    merchant = testing.make_merchant()
    CustomerSettings.objects.create(merchant=merchant, retention_days=90)

    html = client.get(f"/privacy/tracking/?m={merchant.pk}").content.decode()

    assert "浏览记录保存 90 天，到期自动删除。" in html
    assert "不记录 IP 地址、设备型号、浏览器信息和定位。" in html
    assert "浏览记录保存 365 天" in client.get("/privacy/tracking/?m=abc").content.decode()


def test_withdrawing_on_the_privacy_page_deletes_the_traces(client):
    merchant = testing.make_merchant()
    v = visitor()
    tracking.event_record(visitor=v, kind="card_view", merchant_id=merchant.pk)
    client.cookies["lm_vid"] = v.key

    response = client.post("/privacy/tracking/")

    assert "已撤回同意，你的浏览记录已删除，以后不再记录。" in response.content.decode()
    assert response.cookies["lm_consent"].value == "0"
    assert (Event.objects.count(), Visitor.objects.get().consented_at) == (0, None)


def test_the_purge_command_deletes_now_and_books_the_daily_run(capsys):
    import json

    from django.core.management import call_command

    merchant = testing.make_merchant()
    tracking.event_record(visitor=visitor(), kind="card_view", merchant_id=merchant.pk)
    clock.advance(timedelta(days=366))

    call_command("customers", "purge", "--schedule")

    assert json.loads(capsys.readouterr().out) == {"events": 1, "visitors": 1, "scheduled": True}


def test_the_notice_on_a_store_page_links_that_merchants_retention():
    merchant = testing.make_merchant()
    store = testing.make_store(merchant)

    html = render_to_string("customers/_consent.html", {"store": store})

    assert f'href="/privacy/tracking/?m={merchant.pk}"' in html
