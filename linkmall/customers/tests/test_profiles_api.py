"""/api/v1/customers/profiles for the mini-program: the console's rules as JSON."""

from datetime import UTC, datetime

import pytest

from linkmall import testing
from linkmall.core import clock
from linkmall.customers.models import Note, Profile, ProfileTag, Reminder
from linkmall.customers.tests.crm_fixtures import make_crm

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
API = "/api/v1/customers/profiles"


@pytest.fixture(autouse=True)
def _clock():
    clock.freeze(T0)
    yield
    clock.reset()


@pytest.fixture
def crm():
    return make_crm()


def test_a_guide_lists_their_own_customers_with_masked_phones(client, crm):
    client.force_login(crm.guide.user)

    body = client.get(API).json()

    assert (body["count"], body["page"], body["pages"]) == (1, 1, 1)
    assert body["results"][0] | {"first_seen_at": None} == {
        "id": crm.mine.pk, "name": "王小姐", "phone": "139****2222", "guide_id": crm.guide.pk, "layer": "core",
        "intent_grade": "A", "intent_score": 0.82, "clv_fen": 123456, "first_seen_at": None,
        "last_seen_at": "2026-11-25T08:00:00Z", "tags": []}


def test_the_owner_filters_and_sees_full_phones(client, crm):
    client.force_login(crm.owner)

    body = client.get(f"{API}?grade=C").json()

    assert [(r["name"], r["phone"]) for r in body["results"]] == [("李先生", "13933334444")]
    assert client.get(f"{API}?layer=nope").json()["code"] == "bad_filter"


def test_the_list_query_count_is_fixed(client, crm, django_assert_num_queries):
    client.force_login(crm.owner)
    with django_assert_num_queries(5):  # session, user, count, page, tags of the page
        client.get(API)
    for _ in range(10):
        Profile.objects.create(merchant=crm.merchant, user=testing.make_consumer())
    with django_assert_num_queries(5):
        assert len(client.get(API).json()["results"]) == 12


def test_a_profile_reads_with_its_timeline_and_another_guides_is_404(client, crm):
    Note.objects.create(profile=crm.mine, author=crm.guide.user, body="喜欢保湿", is_follow_up=True)
    client.force_login(crm.guide.user)

    body = client.get(f"{API}/{crm.mine.pk}").json()

    assert (body["name"], body["scores"], body["interests"]) == ("王小姐", {"recency": 0.9, "total": 0.75}, {})
    assert [(t["kind"], t["detail"], t["follow_up"]) for t in body["timeline"]] == [("note", "喜欢保湿", True)]
    assert client.get(f"{API}/{crm.theirs.pk}").status_code == 404
    assert client.get(f"{API}/99999999999999999999").status_code == 404


def test_notes_tags_and_reminders_are_written_through_the_api(client, crm):
    client.force_login(crm.guide.user)
    url = f"{API}/{crm.mine.pk}"

    assert client.post(f"{url}/notes", {"body": "到店试色"}, content_type="application/json").status_code == 201
    tag = client.post(f"{url}/tags", {"name": "敏感肌"}, content_type="application/json")
    assert (tag.status_code, tag.json()["name"], tag.json()["kind"]) == (201, "敏感肌", "manual")
    refused = client.post(f"{url}/tags", {"name": ""}, content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (400, "bad_tag")
    reminder = client.post(f"{url}/reminders", {"body": "回访", "due_at": "2026-11-26T02:00:00Z"},
                           content_type="application/json").json()

    assert [r["id"] for r in client.get(f"{API}/reminders").json()] == [reminder["id"]]
    assert client.post(f"{API}/reminders/{reminder['id']}/done").json()["done_at"] == "2026-11-25T09:00:00Z"
    assert client.delete(f"{url}/tags/{tag.json()['id']}").status_code == 204
    assert (Note.objects.count(), ProfileTag.objects.count(), Reminder.objects.get().done_at) == (1, 0, T0)


def test_consumers_and_strangers_are_refused(client, crm):
    assert client.get(API).status_code == 401
    client.force_login(testing.make_consumer())
    assert client.get(API).status_code == 403
