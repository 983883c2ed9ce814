"""/api/v1/cards: ask a card's assistant (anyone with the card), and a guide's question list."""

from django.http import HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.models import Role
from linkmall.accounts.tenancy import require_role
from linkmall.cards.assistant import services
from linkmall.cards.assistant.present import policy_texts, question_out
from linkmall.customers.tracking import visitor_ensure, visitor_for_request

router = Router(tags=["cards-assistant"])


class AskIn(Schema):
    question: str = Field(min_length=1, max_length=500)


class SourceOut(Schema):
    n: int
    kind: str
    id: int
    title: str
    url: str
    text: str


class QuestionOut(Schema):
    id: int
    question: str
    answer: str
    sources: list[SourceOut]
    handed_off: bool
    answered_by_guide: bool
    guide: str
    asked_at: str


class QuestionList(Schema):
    items: list[QuestionOut]


class GuideQuestionsQuery(Schema):
    waiting: bool = False
    limit: int = Field(50, ge=1, le=200)


class AnswerIn(Schema):
    answer: str = Field(min_length=1, max_length=1000)


def _out(question, guide, policies=None):
    return question_out(question, store_id=guide.store_id, guide_name=services.guide_name(guide), policies=policies)


@router.post("/{int:guide_id}/ask", response=QuestionOut)
def ask(request, response: HttpResponse, guide_id: int, payload: AskIn):
    """Anyone with the card may ask; the browser's visitor cookie (made here when missing) keeps
    their questions together so they see the guide's answer when they come back."""
    guide = services.card_guide(guide_id)
    visitor = visitor_ensure(request, response)
    return _out(services.question_ask(guide_id=guide.pk, text=payload.question, visitor=visitor), guide)


@router.get("/{int:guide_id}/questions", response=QuestionList)
def my_questions(request, guide_id: int):
    guide = services.card_guide(guide_id)
    visitor = visitor_for_request(request)
    if visitor is None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        visitor = services.visitor_of_user(request.user)
    items = services.questions_of_visitor(guide_id=guide.pk, visitor=visitor)
    policies = policy_texts(items)
    return {"items": [_out(q, guide, policies) for q in items]}


@router.get("/questions", response=QuestionList, auth=api_auth)
def guide_questions(request, query: Query[GuideQuestionsQuery]):
    user = require_role(request.auth, Role.GUIDE, Role.MERCHANT_OWNER)
    rows = list(services.questions_for_guide(actor=user, waiting_only=query.waiting)[: query.limit])
    policies = policy_texts(rows)
    return {"items": [_out(q, q.card.guide, policies) for q in rows]}


@router.post("/questions/{int:question_id}/answer", response=QuestionOut, auth=api_auth)
def answer(request, question_id: int, payload: AnswerIn):
    user = require_role(request.auth, Role.GUIDE, Role.MERCHANT_OWNER)
    question = services.question_answer(actor=user, question_id=question_id, answer=payload.answer)
    return _out(question, question.card.guide)
