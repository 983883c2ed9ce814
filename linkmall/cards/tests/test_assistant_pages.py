"""The assistant over HTTP: the card's ask box and API, and the guide's question list."""

from datetime import datetime

import pytest

from linkmall.cards.assistant.corpus import indexes
from linkmall.cards.models import Question
from linkmall.cards.tests.test_assistant import Store
from linkmall.cards.tests.test_radar import SHANGHAI
from linkmall.core import clock
from linkmall.customers.models import Event, Visitor
from linkmall.customers.tracking import VISITOR_COOKIE
from linkmall.testing import make_consumer, make_guide, make_merchant, make_merchant_owner, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop() -> Store:
    clock.freeze(datetime(2026, 11, 25, 14, 0, tzinfo=SHANGHAI))
    indexes.clear()
    return Store()


def ask(client, shop, text: str):
    return client.post(f"/api/v1/cards/{shop.guide.pk}/ask", {"question": text}, content_type="application/json")


def test_anyone_asks_over_the_api_and_gets_the_answer_with_linked_sources(client, shop):
    response = ask(client, shop, "口红多少钱")

    assert response.status_code == 200
    body = response.json()
    assert (body["answer"], body["handed_off"], body["guide"]) == ("丝绒口红：价格 ¥129.00 至 ¥139.00。 [1]", False, "王小美")
    assert body["sources"] == [{"n": 1, "kind": "product", "id": shop.lipstick.pk, "title": "丝绒口红",
                                "url": f"/s/{shop.store.pk}/p/{shop.lipstick.pk}/", "text": ""}]
    visitor = Visitor.objects.get(key=response.cookies[VISITOR_COOKIE].value)
    assert Question.objects.get().visitor_key == visitor.key


def test_a_policy_source_carries_its_text_since_policies_have_no_page(client, shop):
    body = ask(client, shop, "可以退货吗").json()

    assert body["sources"][0]["url"] == ""
    assert body["sources"][0]["text"].startswith("退换货受平台售后保障（售后兜底）。")


def test_the_guides_answer_reaches_the_visitor_when_they_come_back(client, shop):
    asked = ask(client, shop, "周末有停车位吗").json()
    assert asked["handed_off"] is True
    guide = client.__class__()
    guide.force_login(shop.guide.user)

    page = guide.get("/guide/questions/").content.decode()
    assert '<span class="badge-waiting">待你回答</span>' in page
    reply = guide.post(f"/guide/questions/{asked['id']}/answer/", {"answer": "有的，地下车库 2 小时免费。"})
    assert reply.status_code == 302

    mine = client.get(f"/api/v1/cards/{shop.guide.pk}/questions").json()["items"]
    assert [(q["question"], q["answer"], q["answered_by_guide"]) for q in mine] == [
        ("周末有停车位吗", "有的，地下车库 2 小时免费。", True)]
    card = client.get(f"/card/{shop.guide.pk}/").content.decode()
    assert '<span class="who">导购 王小美 回复</span>有的，地下车库 2 小时免费。' in card


def test_the_ask_box_works_without_javascript(client, shop):
    response = client.post(f"/card/{shop.guide.pk}/ask/", {"question": "口红多少钱"})

    assert response.status_code == 302
    assert response["Location"] == f"/card/{shop.guide.pk}/#assistant"
    card = client.get(f"/card/{shop.guide.pk}/").content.decode()
    assert '<li class="q" data-question="' in card
    assert f'[1] <a href="/s/{shop.store.pk}/p/{shop.lipstick.pk}/">丝绒口红</a>' in card


def test_bad_questions_are_refused_with_a_clear_status_and_nothing_is_stored(client, shop):
    assert ask(client, shop, "").status_code == 422
    short = ask(client, shop, "嗯")
    assert (short.status_code, short.json()["code"]) == (400, "invalid_question")
    assert client.post(f"/api/v1/cards/{shop.guide.pk + 999}/ask", {"question": "口红多少钱"},
                       content_type="application/json").status_code == 404
    assert client.post("/api/v1/cards/1/ask", "not json", content_type="application/json").status_code in (400, 422)
    assert (Question.objects.count(), Event.objects.filter(kind="ask").count()) == (0, 0)


def test_a_visitor_asking_too_fast_is_told_to_wait(client, shop):
    for _ in range(6):
        assert ask(client, shop, "口红多少钱").status_code == 200

    refused = ask(client, shop, "口红多少钱")

    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    assert Question.objects.count() == 6


def test_the_guide_lists_and_exports_only_their_own_questions(client, shop, django_assert_num_queries):
    ask(client, shop, "周末有停车位吗")
    ask(client, shop, "口红多少钱")
    ask(client, shop, "可以退货吗")
    ask(client, shop, "多久发货")
    other = make_guide(make_store(make_merchant()))
    client.post(f"/api/v1/cards/{other.pk}/ask", {"question": "有停车位吗"}, content_type="application/json")
    client.force_login(shop.guide.user)

    with django_assert_num_queries(4):  # session, user, questions (with card, guide, user), cited policies
        items = client.get("/api/v1/cards/questions").json()["items"]
    waiting = client.get("/api/v1/cards/questions?waiting=true").json()["items"]
    csv = b"".join(client.get("/guide/questions/?show=all&format=csv").streaming_content).decode("utf-8-sig")

    assert [q["question"] for q in items] == ["周末有停车位吗", "多久发货", "可以退货吗", "口红多少钱"]
    assert [q["question"] for q in waiting] == ["周末有停车位吗"]
    assert csv.splitlines()[0] == "时间,导购,问题,回答,转导购,导购已回复"
    assert len(csv.splitlines()) == 5


def test_strangers_cannot_answer_or_list_a_guides_questions(client, shop):
    asked = ask(client, shop, "周末有停车位吗").json()
    client.force_login(make_guide(make_store(make_merchant())).user)
    assert client.post(f"/guide/questions/{asked['id']}/answer/", {"answer": "乱答"}).status_code == 404
    assert client.post(f"/api/v1/cards/questions/{asked['id']}/answer", {"answer": "乱答"},
                       content_type="application/json").status_code == 404
    client.force_login(make_consumer())
    assert client.get("/guide/questions/").status_code == 403
    assert client.get("/api/v1/cards/questions").status_code == 403
    assert Question.objects.get().answered_by_guide_at is None
    client.force_login(make_merchant_owner(shop.merchant))
    answered = client.post(f"/api/v1/cards/questions/{asked['id']}/answer", {"answer": "有。"},
                           content_type="application/json").json()
    assert (answered["answer"], answered["answered_by_guide"]) == ("有。", True)
