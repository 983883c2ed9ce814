"""The card holder (名片夹): save a card from its page, remove it, list my cards at /me/cards/."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.pages.decorators import consumer_page, consumer_required
from linkmall.cards import selectors, services
from linkmall.cards.pages.common import or_404


def _card_url(request, guide_id: int) -> str:
    return reverse("cards:card", args=[guide_id])


def _back(request, guide_id: int) -> str:
    return request.POST.get("next") if request.POST.get("next") == reverse("cards:holder") else _card_url(
        request, guide_id)


@require_POST
def card_save(request, guide_id: int):
    return consumer_page(_save, back=_card_url)(request, guide_id)


def _save(request, guide_id: int):
    or_404(services.card_hold, user=request.user, guide_id=guide_id)
    messages.success(request, _("已收藏到名片夹"))
    return redirect(_card_url(request, guide_id))


@require_POST
def card_remove(request, guide_id: int):
    return consumer_page(_remove, back=_card_url)(request, guide_id)


def _remove(request, guide_id: int):
    services.card_release(user=request.user, guide_id=guide_id)
    messages.success(request, _("已从名片夹移除"))
    return redirect(_back(request, guide_id))


@require_GET
@consumer_required
def holder_list(request):
    holdings = list(selectors.holdings_of(user=request.user))
    return render(request, "cards/holder.html", {"holdings": holdings})
