"""The card's assistant answers only from the store's own products and policies, with citations,
and hands anything else to the guide."""

import uuid
from datetime import datetime, timedelta

import pytest

from linkmall.cards.assistant import (
    knowledge_seed_defaults,
    question_answer,
    question_ask,
    questions_for_guide,
    questions_of_visitor,
)
from linkmall.cards.assistant.answer import compose, retrieve
from linkmall.cards.assistant.bm25 import BM25
from linkmall.cards.assistant.corpus import indexes
from linkmall.cards.assistant.text import question_terms, tokenize
from linkmall.cards.models import Card, Knowledge, Question
from linkmall.cards.tests.test_radar import SHANGHAI
from linkmall.core import clock
from linkmall.core.errors import InvalidInput, NotFound, RateLimited
from linkmall.customers.models import Event, Visitor
from linkmall.testing import (
    copies,
    make_consumer,
    make_guide,
    make_listing,
    make_merchant,
    make_merchant_owner,
    make_product,
    make_store,
    make_supplier,
    race,
)

pytestmark = pytest.mark.django_db


class Store:
    def __init__(self):
        self.merchant = make_merchant("湖滨美妆")
        self.store = make_store(self.merchant, name="湖滨银泰店")
        self.store.opening_hours, self.store.phone = "10:00-22:00", "0571-88886666"
        self.store.save()
        self.guide = make_guide(self.store)
        self.guide.user.display_name = "王小美"
        self.guide.user.save()
        supplier = make_supplier()
        self.serum = make_product(supplier, name="玻尿酸精华", price_fen=19900)
        self.serum.subtitle = "深层补水 舒缓修护"
        self.serum.description = "含 2% 玻尿酸和积雪草提取物，适合干皮和敏感肌。早晚洁面后取 2-3 滴按压至吸收。"
        self.serum.save()
        make_listing(self.merchant, self.serum.skus.get())
        self.lipstick = make_product(supplier, name="丝绒口红", skus=2, price_fen=12900)
        self.lipstick.description = "哑光质地不拔干，持妆 8 小时。"
        self.lipstick.save()
        for sku, price in zip(self.lipstick.skus.order_by("pk"), (12900, 13900), strict=True):
            make_listing(self.merchant, sku, price_fen=price)
        hidden = make_product(supplier, name="没上架的香水")
        hidden.description = "木质香调，留香持久。"
        hidden.save()
        knowledge_seed_defaults(merchant_id=self.merchant.pk)


@pytest.fixture
def shop() -> Store:
    clock.freeze(datetime(2026, 11, 25, 14, 0, tzinfo=SHANGHAI))
    indexes.clear()
    return Store()


def a_visitor(key: str | None = None, user=None) -> Visitor:
    return Visitor.objects.create(key=key or uuid.uuid4().hex, user=user)  # no tracking consent: asking is explicit


def test_bm25_prefers_the_rarer_term_and_saturates_repeats():
    bm25 = BM25([["精华", "补水"], ["口红"], ["精华", "精华", "精华", "精华"], ["面霜", "补水"]])

    scores = bm25.scores(["口红"])
    assert list(scores) == [1]
    assert bm25.idf("口红") > bm25.idf("精华") > 0
    assert bm25.scores(["精华"])[2] < 2 * bm25.scores(["精华"])[0]  # four times the word, not four times the score
    assert (bm25.holds("补水", [1, 3]), bm25.holds("补水", [1, 2])) == (True, False)


def test_questions_lose_their_filler_words_and_gain_the_stores_words():
    assert tokenize("请问你们的口红可以退货吗？") == ["口红", "退货"]
    assert question_terms("口红多少钱") == ["口红", "钱", "价格"]


def test_a_product_question_is_answered_from_its_description_with_a_citation(shop):
    question = question_ask(guide_id=shop.guide.pk, text="玻尿酸精华适合敏感肌吗？", visitor=a_visitor())

    assert question.answer == "玻尿酸精华：含 2% 玻尿酸和积雪草提取物，适合干皮和敏感肌。 [1]"
    assert question.sources == [{"kind": "product", "id": shop.serum.pk, "title": "玻尿酸精华"}]
    assert question.handed_off is False


def test_a_price_question_quotes_the_listed_prices_of_every_spec(shop):
    question = question_ask(guide_id=shop.guide.pk, text="口红多少钱一支", visitor=a_visitor())

    assert question.answer == "丝绒口红：价格 ¥129.00 至 ¥139.00。 [1]"


def test_a_policy_question_is_answered_from_the_default_policies(shop):
    question = question_ask(guide_id=shop.guide.pk, text="买了不合适可以退货吗？", visitor=a_visitor())

    assert question.answer.startswith("退换货与平台保障：退换货受平台售后保障（售后兜底）。")
    assert question.answer.endswith(" [1]")
    assert question.sources[0]["title"] == "退换货与平台保障"


def test_a_question_naming_the_store_and_a_product_cites_both(shop):
    question = question_ask(guide_id=shop.guide.pk, text="湖滨银泰店的口红多少钱", visitor=a_visitor())

    assert [s["kind"] for s in question.sources] == ["product", "store"]
    assert question.answer.startswith("丝绒口红：价格 ¥129.00 至 ¥139.00。 [1]\n湖滨银泰店")


def test_opening_hours_come_from_the_store_itself(shop):
    question = question_ask(guide_id=shop.guide.pk, text="你们门店几点开门？", visitor=a_visitor())

    assert question.answer == "湖滨银泰店门店营业时间 10:00-22:00。 [1]"
    assert question.sources[0] == {"kind": "store", "id": shop.store.pk, "title": "湖滨银泰店"}


@pytest.mark.parametrize("text", ["支持比特币付款吗？", "今天杭州天气怎么样", "没上架的香水留香久吗", "玻尿酸精华适合孕妇吗",
                                  "周末有停车位吗"])
def test_a_question_without_evidence_goes_to_the_guide(shop, text):
    question = question_ask(guide_id=shop.guide.pk, text=text, visitor=a_visitor())

    assert question.answer == "这个问题我没有找到依据，已转给导购 王小美，TA 回复后你再打开名片就能看到。"
    assert (question.handed_off, question.sources) == (True, [])


def test_every_question_is_recorded_with_an_ask_event_for_the_radar(shop):
    visitor = a_visitor()
    question = question_ask(guide_id=shop.guide.pk, text="今天天气怎么样", visitor=visitor)

    event = Event.objects.get(kind=Event.Kind.ASK)
    assert (event.visitor_id, event.guide_id, event.section) == (visitor.pk, shop.guide.pk, f"q{question.pk}")


def test_the_index_follows_edits_of_knowledge_and_listings(shop):
    assert question_ask(guide_id=shop.guide.pk, text="可以开发票吗", visitor=a_visitor()).handed_off
    Knowledge.objects.create(merchant=shop.merchant, title="发票", body="所有订单都可以开具电子发票，在订单详情里申请。")

    answered = question_ask(guide_id=shop.guide.pk, text="可以开发票吗", visitor=a_visitor())

    assert answered.handed_off is False
    assert answered.sources[0]["title"] == "发票"
    listing = shop.serum.listings.get()
    listing.price_fen, listing.updated_at = 17900, clock.now() + timedelta(seconds=1)
    listing.save()
    assert "¥179.00" in question_ask(guide_id=shop.guide.pk, text="精华多少钱", visitor=a_visitor()).answer


def test_another_merchants_products_are_never_an_answer(shop):
    other = make_merchant()
    make_guide(make_store(other))
    vitamin = make_product(make_supplier(), name="维生素软糖")
    make_listing(other, vitamin.skus.get())

    assert question_ask(guide_id=shop.guide.pk, text="维生素软糖多少钱", visitor=a_visitor()).handed_off


def test_a_question_must_be_two_to_two_hundred_characters_and_nothing_is_stored_otherwise(shop):
    for text in ["", " 嗯 ", "问" * 201]:
        with pytest.raises(InvalidInput):
            question_ask(guide_id=shop.guide.pk, text=text, visitor=a_visitor())
    with pytest.raises(NotFound):
        question_ask(guide_id=shop.guide.pk + 999, text="口红多少钱", visitor=a_visitor())
    assert (Question.objects.count(), Event.objects.count()) == (0, 0)


def test_a_visitor_asks_at_most_six_questions_in_ten_minutes(shop):
    visitor = a_visitor()
    for _ in range(6):
        question_ask(guide_id=shop.guide.pk, text="口红多少钱", visitor=visitor)

    with pytest.raises(RateLimited):
        question_ask(guide_id=shop.guide.pk, text="口红多少钱", visitor=visitor)
    assert Question.objects.count() == 6
    clock.advance(timedelta(minutes=10, seconds=1))
    assert question_ask(guide_id=shop.guide.pk, text="口红多少钱", visitor=visitor).pk


def test_the_guide_answers_a_handed_off_question_and_the_visitor_sees_it(shop):
    visitor = a_visitor()
    question = question_ask(guide_id=shop.guide.pk, text="周末有停车位吗", visitor=visitor)
    assert list(questions_for_guide(actor=shop.guide.user, waiting_only=True)) == [question]

    question_answer(actor=shop.guide.user, question_id=question.pk, answer="有的，商场地下停车场 2 小时免费。")

    [seen] = questions_of_visitor(guide_id=shop.guide.pk, visitor=visitor)
    assert (seen.answer, seen.answered_by_guide_at) == ("有的，商场地下停车场 2 小时免费。", clock.now())
    assert list(questions_for_guide(actor=shop.guide.user, waiting_only=True)) == []


def test_nobody_but_the_guide_or_their_owner_answers(shop):
    question = question_ask(guide_id=shop.guide.pk, text="周末有停车位吗", visitor=a_visitor())
    for stranger in (make_guide(shop.store).user, make_merchant_owner(make_merchant()), make_consumer()):
        with pytest.raises(NotFound):
            question_answer(actor=stranger, question_id=question.pk, answer="乱答")
    with pytest.raises(InvalidInput):
        question_answer(actor=shop.guide.user, question_id=question.pk, answer="  ")
    question_answer(actor=make_merchant_owner(shop.merchant), question_id=question.pk, answer="有。")
    question.refresh_from_db()
    assert question.answer == "有。"


def test_retrieval_ranks_the_product_before_the_policies(shop):
    terms, hits = retrieve(indexes.get(shop.merchant.pk), "精华怎么用")
    assert hits[0].passage.source.title == "玻尿酸精华"
    assert compose(indexes.get(shop.merchant.pk), "精华怎么用").text == \
        "玻尿酸精华：深层补水 舒缓修护。含 2% 玻尿酸和积雪草提取物，适合干皮和敏感肌。早晚洁面后取 2-3 滴按压至吸收。 [1]"


@pytest.mark.row_locks
@pytest.mark.django_db(transaction=True)
def test_two_first_questions_of_a_new_merchant_seed_the_policies_once():
    merchant = make_merchant()
    guide = make_guide(make_store(merchant))
    visitors = [a_visitor(key=f"{i}" * 32) for i in range(4)]

    results = race(*copies(lambda i: question_ask(guide_id=guide.pk, text="可以退货吗", visitor=visitors[i]).handed_off, 4))

    assert results == [False] * 4
    assert Knowledge.objects.filter(merchant=merchant).count() == 5
    assert Card.objects.filter(guide=guide).count() == 1

