"""Pages of the assistant: the ask form's no-JavaScript fallback on the card, and the guide's
question list where handed-off questions are answered."""

import csv

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.cards.assistant import services
from linkmall.core.errors import DomainError, NotFound, RateLimited
from linkmall.customers.tracking import visitor_ensure

guide_or_owner = role_required(Role.GUIDE, Role.MERCHANT_OWNER)


@require_POST
def card_ask(request, guide_id: int):
    """The ask box without JavaScript: ask, then back to the card's assistant, answer shown there."""
    try:
        services.card_guide(guide_id)
    except NotFound:
        raise Http404 from None
    response = redirect(reverse("cards:card", args=[guide_id]) + "#assistant")
    visitor = visitor_ensure(request, response)
    try:
        services.question_ask(guide_id=guide_id, text=request.POST.get("question", ""), visitor=visitor)
    except RateLimited:
        messages.error(request, _("提问太频繁了，请稍后再问。"))
    except DomainError:
        messages.error(request, _("请输入 2 到 200 个字的问题。"))
    return response


class _Echo:
    def write(self, value):
        return value


@guide_or_owner
@require_GET
def question_list(request):
    waiting = request.GET.get("show") != "all"
    rows = services.questions_for_guide(actor=request.user, waiting_only=waiting)
    if request.GET.get("format") == "csv":
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff" + writer.writerow([_("时间"), _("导购"), _("问题"), _("回答"), _("转导购"), _("导购已回复")])
            for q in rows.iterator(chunk_size=500):
                guide = q.card.guide.user
                yield writer.writerow([
                    timezone.localtime(q.asked_at).strftime("%Y-%m-%d %H:%M"), guide.display_name or guide.username,
                    q.text, q.answer, _("是") if q.handed_off else _("否"),
                    _("是") if q.answered_by_guide_at else _("否")])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="questions.csv"'
        return response
    return render(request, "cards/assistant_questions.html", {
        "questions": list(rows[:100]), "waiting": waiting, "nav": "questions",
        "own": request.user.role == Role.GUIDE,
    })


@guide_or_owner
@require_POST
def question_answer(request, question_id: int):
    try:
        services.question_answer(actor=request.user, question_id=question_id, answer=request.POST.get("answer", ""))
    except NotFound:
        raise Http404 from None
    except DomainError:
        messages.error(request, _("回复需要 1 到 1000 个字。"))
        return redirect(reverse("cards:questions") + f"#q{question_id}")
    messages.success(request, _("已回复，客户再打开你的名片就能看到。"))
    return redirect("cards:questions")


