"""Asking the card's assistant, handing a question to the guide, and the guide's answer."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from linkmall.accounts.models import Role, User
from linkmall.cards.assistant import answer as answering
from linkmall.cards.assistant.corpus import indexes, knowledge_seed_defaults
from linkmall.cards.assistant.llm import rephrase
from linkmall.cards.models import Card, Knowledge, Question
from linkmall.core import clock
from linkmall.core.errors import InvalidInput, NotFound, RateLimited
from linkmall.customers.models import Event, Visitor
from linkmall.customers.tracking import event_record
from linkmall.stores.models import Guide

MIN_CHARS, MAX_CHARS = 2, 200
MAX_ANSWER_CHARS = 1000
#: per visitor: a burst limit against a stuck button or a script, and a daily one
RATE_LIMITS = ((timedelta(minutes=10), 6), (timedelta(days=1), 30))


def card_guide(guide_id: int) -> Guide:
    """The guide whose card takes questions: active, in an open store."""
    return _guide(guide_id)


def visitor_of_user(user: User) -> Visitor | None:
    """A logged-in consumer on a new browser: their most recent visitor, for their questions."""
    return Visitor.objects.filter(user=user).order_by("-last_seen_at", "-pk").first()


def _guide(guide_id: int) -> Guide:
    guide = (Guide.objects.select_related("user", "store").filter(pk=guide_id, is_active=True, store__is_active=True)
             .first())
    if guide is None:
        raise NotFound("No such card.", detail={"guide_id": guide_id})
    return guide


def _card(guide: Guide) -> Card:
    """The guide's card row; a guide who never edited their card has none yet, so make it."""
    card = Card.objects.filter(guide=guide).first()
    if card is None:
        try:
            with transaction.atomic():
                card = Card.objects.create(guide=guide)
        except IntegrityError:  # the first two questions on a new card arrived together
            card = Card.objects.get(guide=guide)
    if not card.is_published:
        raise NotFound("No such card.", detail={"guide_id": guide.pk})
    return card


def guide_name(guide: Guide) -> str:
    return guide.user.display_name or guide.user.username


def handoff_text(guide: Guide) -> str:
    return f"这个问题我没有找到依据，已转给导购 {guide_name(guide)}，TA 回复后你再打开名片就能看到。"


def _check_rate(visitor: Visitor) -> None:
    now = clock.now()
    for window, limit in RATE_LIMITS:
        if Question.objects.filter(visitor_key=visitor.key, asked_at__gt=now - window).count() >= limit:
            raise RateLimited("Too many questions; please wait a little.",
                              detail={"limit": limit, "window_seconds": int(window.total_seconds())})


def question_ask(*, guide_id: int, text: str, visitor: Visitor) -> Question:
    """Answer from the store's own texts, or hand the question to the guide. Always recorded."""
    text = " ".join((text or "").split())
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        raise InvalidInput("A question is 2 to 200 characters.", code="invalid_question",
                           detail={"min": MIN_CHARS, "max": MAX_CHARS, "length": len(text)})
    guide = _guide(guide_id)
    card = _card(guide)
    _check_rate(visitor)
    if not Knowledge.objects.filter(merchant_id=guide.merchant_id).exists():
        knowledge_seed_defaults(merchant_id=guide.merchant_id)
    found = answering.compose(indexes.get(guide.merchant_id), text)
    if found.handed_off:
        reply = handoff_text(guide)
    else:
        reply = rephrase(question=text, draft=found.text, passages=found.passages) or found.text
    with transaction.atomic():
        question = Question.objects.create(
            card=card, visitor_key=visitor.key, user_id=visitor.user_id, text=text, answer=reply,
            sources=[{"kind": s.kind, "id": s.id, "title": s.title} for s in found.sources],
            handed_off=found.handed_off, asked_at=clock.now(),
        )
        # an explicit request: recorded without tracking consent (see customers.tracking)
        event_record(visitor=visitor, kind=Event.Kind.ASK, merchant_id=guide.merchant_id, store_id=guide.store_id,
                     guide_id=guide.pk, section=f"q{question.pk}", dedupe_key=f"ask:{question.pk}")
    return question


def questions_of_visitor(*, guide_id: int, visitor: Visitor | None, limit: int = 5) -> list[Question]:
    """The visitor's latest questions on this card (theirs from other browsers too, once logged in)."""
    if visitor is None:
        return []
    mine = Q(visitor_key=visitor.key) | (Q(user_id=visitor.user_id) if visitor.user_id else Q(pk__in=[]))
    rows = Question.objects.filter(mine, card_id=guide_id).order_by("-asked_at", "-pk")[:limit]
    return list(reversed(rows))


def questions_for_guide(*, actor: User, waiting_only: bool = False) -> QuerySet[Question]:
    """A guide's questions (a merchant owner's: every guide's), handed-off and unanswered first."""
    rows = Question.objects.select_related("card__guide__user", "user")
    if actor.role == Role.GUIDE:
        rows = rows.filter(card__guide__user=actor)
    elif actor.role == Role.MERCHANT_OWNER and actor.tenant_id:
        rows = rows.filter(card__guide__merchant_id=actor.tenant_id)
    else:
        return rows.none()
    if waiting_only:
        rows = rows.filter(handed_off=True, answered_by_guide_at__isnull=True)
    return rows.order_by("-handed_off", "answered_by_guide_at", "-asked_at", "-pk")


def question_answer(*, actor: User, question_id: int, answer: str) -> Question:
    """The guide answers (or corrects their answer to) a question on their card."""
    answer = (answer or "").strip()
    if not 1 <= len(answer) <= MAX_ANSWER_CHARS:
        raise InvalidInput("An answer is 1 to 1000 characters.", code="invalid_answer",
                           detail={"max": MAX_ANSWER_CHARS, "length": len(answer)})
    question = questions_for_guide(actor=actor).filter(pk=question_id).first()
    if question is None:
        raise NotFound("No such question.")
    now = clock.now()
    Question.objects.filter(pk=question.pk).update(answer=answer, answered_by_guide_at=now)
    question.answer, question.answered_by_guide_at = answer, now
    return question
