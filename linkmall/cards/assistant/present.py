"""A question as the card shows it: the answer, who answered, and where each citation leads."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from linkmall.cards.models import Knowledge, Question


def policy_texts(questions: list[Question]) -> dict[int, str]:
    """The bodies of every policy these questions cite, in one query for a whole list."""
    ids = {s["id"] for q in questions for s in q.sources if s.get("kind") == "knowledge"}
    return dict(Knowledge.objects.filter(pk__in=ids).values_list("pk", "body")) if ids else {}


def source_links(question: Question, *, store_id: int, policies: dict[int, str] | None = None) -> list[dict]:
    """Each cited source with a link: a product to its page in the guide's store, a store to its
    home, a policy to its text (shown in place: policies have no page of their own)."""
    if policies is None:
        policies = policy_texts([question])
    out = []
    for number, source in enumerate(question.sources, start=1):
        url, text = "", ""
        try:
            if source["kind"] == "product":
                url = reverse("web:product", args=[store_id, source["id"]])
            elif source["kind"] == "store":
                url = reverse("web:store_home", args=[source["id"]])
        except NoReverseMatch:  # the shop pages are not mounted (an API-only deployment)
            url = ""
        if source["kind"] == "knowledge":
            text = policies.get(source["id"], "")
        out.append({"n": number, "kind": source["kind"], "id": source["id"], "title": source["title"],
                    "url": url, "text": text})
    return out


def question_out(question: Question, *, store_id: int, guide_name: str,
                 policies: dict[int, str] | None = None) -> dict:
    return {
        "id": question.pk,
        "question": question.text,
        "answer": question.answer,
        "sources": source_links(question, store_id=store_id, policies=policies),
        "handed_off": question.handed_off,
        "answered_by_guide": question.answered_by_guide_at is not None,
        "guide": guide_name,
        "asked_at": timezone.localtime(question.asked_at).isoformat(),
    }
