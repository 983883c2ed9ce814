"""The customer console: who sees whom, filters, export, the profile page and its actions."""

from datetime import UTC, datetime, timedelta

import pytest

from linkmall import testing
from linkmall.core import clock
from linkmall.customers import tracking
from linkmall.customers.models import Note, Profile, ProfileTag, Purchase, Reminder, Tag, Visitor
from linkmall.customers.tests.crm_fixtures import make_crm

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    clock.freeze(T0)
    yield
    clock.reset()


@pytest.fixture
def crm():
    return make_crm()


def names(response) -> list[str]:
    return [p.name for p in response.context["page"]]


def test_the_owner_sees_every_customer_and_a_guide_only_their_own(client, crm):
    client.force_login(crm.owner)
    assert names(client.get("/console/customers/")) == ["王小姐", "李先生"]

    client.force_login(crm.guide.user)
    response = client.get("/console/customers/")
    assert names(response) == ["王小姐"]
    assert "139****2222" in response.content.decode()
    assert "13911112222" not in response.content.decode()


def test_another_guides_customer_and_another_merchants_customer_answer_404(client, crm):
    other = make_crm(("13800000001", "13800000002"))
    client.force_login(crm.guide.user)
    assert client.get(f"/console/customers/{crm.theirs.pk}/").status_code == 404
    assert client.post(f"/console/customers/{crm.theirs.pk}/notes/", {"body": "x"}).status_code == 404
    client.force_login(crm.owner)
    assert client.get(f"/console/customers/{other.mine.pk}/").status_code == 404
    assert Note.objects.count() == 0


def test_consumers_are_refused_and_strangers_sent_to_log_in(client, crm):
    assert client.get("/console/customers/").status_code == 302
    client.force_login(testing.make_consumer())
    assert client.get("/console/customers/").status_code == 403


@pytest.mark.parametrize("query, expected", [
    ("layer=core", ["王小姐"]), ("grade=C", ["李先生"]), ("q=李", ["李先生"]), ("q=3333", ["李先生"]),
    ("tag=敏感肌", ["王小姐"]), ("layer=nonsense", ["王小姐", "李先生"]),
])
def test_the_list_filters_by_layer_grade_tag_and_search(client, crm, query, expected):
    tag = Tag.objects.create(merchant=crm.merchant, name="敏感肌")
    ProfileTag.objects.create(profile=crm.mine, tag=tag)
    client.force_login(crm.owner)

    response = client.get(f"/console/customers/?{query}")

    assert names(response) == expected
    assert ("筛选条件无效，已显示全部客户" in response.content.decode()) == (query == "layer=nonsense")


def test_the_list_costs_the_same_queries_for_2_or_25_customers(client, crm, django_assert_num_queries):
    client.force_login(crm.owner)
    client.get("/console/customers/")
    # session, user; count, page, tags of the page; the merchant's tags for the filter
    with django_assert_num_queries(6):
        client.get("/console/customers/")
    for _ in range(23):
        Profile.objects.create(merchant=crm.merchant, user=testing.make_consumer(), name="客户")
    with django_assert_num_queries(6):
        response = client.get("/console/customers/?page=2")
    assert len(response.context["page"]) == 5


def test_the_export_is_a_csv_of_the_filtered_customers_with_masked_phones_for_guides(client, crm):
    client.force_login(crm.guide.user)

    body = b"".join(client.get("/console/customers/export.csv?layer=core").streaming_content).decode()

    guide_name = crm.guide.user.display_name
    assert body.splitlines() == [
        "\ufeff姓名,手机号,分层,意向等级,预计价值（元）,导购,标签,首次到访,最近到访",
        f"王小姐,139****2222,核心层,A,1234.56,{guide_name},,2026-11-25 17:00,2026-11-25 16:00",
    ]


def test_the_profile_page_shows_scores_interests_and_a_merged_timeline(client, crm):
    supplier = testing.make_supplier()
    serum = testing.make_product(supplier, name="精华液", category=testing.make_category("护肤"))
    lipstick = testing.make_product(supplier, name="口红", category=testing.make_category("彩妆"))
    for p in (serum, lipstick):
        testing.make_listing(crm.merchant, p.skus.get())
    visitor = Visitor.objects.create(key=tracking._new_key(), user=crm.mine.user, consented_at=T0)
    at = T0 - timedelta(days=1)
    for minutes, kind, product, dwell, section in [
        (0, "card_view", None, 0, ""), (1, "section_view", None, 0, "promotions"), (1, "product_view", serum, 0, ""),
        (2, "dwell", serum, 40_000, ""), (3, "product_view", lipstick, 0, ""), (5, "share", None, 0, ""),
        (90, "book", None, 0, "booking"),
    ]:
        tracking.event_record(visitor=visitor, kind=kind, merchant_id=crm.merchant.pk, product_id=getattr(
            product, "pk", None), dwell_ms=dwell, section=section, occurred_at=at + timedelta(minutes=minutes))
    Purchase.objects.create(merchant=crm.merchant, user=crm.mine.user, source="mall", reference="LM001",
                            amount_fen=19900, refunded_fen=0, occurred_at=T0 - timedelta(hours=2),
                            product_ids=[serum.pk])
    Note.objects.create(profile=crm.mine, author=crm.guide.user, body="喜欢保湿", is_follow_up=True,
                        created_at=T0 - timedelta(minutes=30))
    client.force_login(crm.guide.user)

    response = client.get(f"/console/customers/{crm.mine.pk}/")

    html = response.content.decode()
    assert [(i.kind, i.products) for i in response.context["timeline"]] == [
        ("note", []), ("purchase", []), ("book", []), ("share", []), ("visit", ["精华液", "口红"])]
    visit = response.context["timeline"][-1]
    assert (visit.dwell_s, visit.at, visit.ended_at, visit.sections) == (40, at, at + timedelta(minutes=3), ["优惠活动"])
    assert Profile.objects.get(pk=crm.mine.pk).interests == {"护肤": 1.0, "彩妆": 0.14}
    for text in ("139****2222", "核心层", "¥1234.56", "14 天内下单概率 0.82", "购买 ¥199.00（LM001）",
                 "跟进（" + crm.guide.user.display_name + "）：喜欢保湿", "看了：精华液、口红",
                 "版块：优惠活动", "预约了到店\n"):
        assert text in html, text


def test_tags_are_added_once_removed_and_automatic_ones_are_protected(client, crm):
    client.force_login(crm.guide.user)
    url = f"/console/customers/{crm.mine.pk}/tags/"

    client.post(url, {"name": " 敏感肌 "})
    client.post(url, {"name": "敏感肌"})
    assert list(ProfileTag.objects.values_list("tag__name", "tag__kind")) == [("敏感肌", "manual")]
    response = client.post(url, {"name": "高频浏览"}, follow=True)
    assert "这是根据行为自动生成的标签，不能手动修改" in response.content.decode()

    tag = Tag.objects.get(name="敏感肌")
    client.post(f"/console/customers/{crm.mine.pk}/tags/{tag.pk}/remove/")
    assert ProfileTag.objects.count() == 0


def test_a_customer_seen_three_times_this_fortnight_is_tagged_automatically(client, crm):
    visitor = Visitor.objects.create(key=tracking._new_key(), user=crm.mine.user, consented_at=T0)
    for hours in (60, 30, 1):
        tracking.event_record(visitor=visitor, kind="card_view", merchant_id=crm.merchant.pk,
                              occurred_at=T0 - timedelta(hours=hours))
    client.force_login(crm.owner)

    client.get(f"/console/customers/{crm.mine.pk}/")

    assert list(ProfileTag.objects.values_list("tag__name", "tag__kind")) == [("高频浏览", "auto")]


def test_a_guide_writes_a_follow_up_and_an_empty_note_is_refused(client, crm):
    client.force_login(crm.guide.user)
    url = f"/console/customers/{crm.mine.pk}/notes/"

    client.post(url, {"body": "电话回访，满意", "follow_up": "1"})
    response = client.post(url, {"body": "   "}, follow=True)

    assert "记录为 1 到 2000 个字" in response.content.decode()
    assert list(Note.objects.values_list("body", "is_follow_up", "author_id")) == [
        ("电话回访，满意", True, crm.guide.user.pk)]


def test_reminders_are_created_listed_as_due_and_marked_done(client, crm):
    client.force_login(crm.guide.user)
    client.post(f"/console/customers/{crm.mine.pk}/reminders/", {"body": "回访试用", "due_at": "2026-11-26T10:00"})
    client.post(f"/console/customers/{crm.mine.pk}/reminders/", {"body": "过去", "due_at": "2020-01-01T10:00"})
    Reminder.objects.create(profile=crm.theirs, guide=crm.other_guide, body="别人的", due_at=T0)

    reminder = Reminder.objects.get(body="回访试用")
    assert (reminder.guide_id, reminder.source) == (crm.guide.pk, "manual")
    assert [r.body for r in client.get("/console/customers/reminders/").context["reminders"]] == ["回访试用"]

    client.post(f"/console/customers/reminders/{reminder.pk}/done/")
    assert Reminder.objects.get(pk=reminder.pk).done_at == T0
    assert client.get("/console/customers/reminders/").context["reminders"] == []
    other = Reminder.objects.get(body="别人的")
    assert client.post(f"/console/customers/reminders/{other.pk}/done/").status_code == 404
    assert Reminder.objects.get(pk=other.pk).done_at is None
