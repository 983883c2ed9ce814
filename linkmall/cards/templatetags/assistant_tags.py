"""`{% assistant_history guide as history %}`: the visitor's questions on this card, for
cards/_assistant.html, so the guide's answers show even without JavaScript."""

from django import template

from linkmall.cards.assistant import services
from linkmall.cards.assistant.present import policy_texts, question_out
from linkmall.customers.tracking import visitor_for_request

register = template.Library()


@register.simple_tag(takes_context=True)
def assistant_history(context, guide) -> list[dict]:
    request = context.get("request")
    if request is None:
        return []
    visitor = visitor_for_request(request)
    if visitor is None and request.user.is_authenticated:
        visitor = services.visitor_of_user(request.user)
    questions = services.questions_of_visitor(guide_id=guide.pk, visitor=visitor)
    name = services.guide_name(guide)
    policies = policy_texts(questions)
    return [question_out(q, store_id=guide.store_id, guide_name=name, policies=policies) for q in questions]
