"""The guide's daily digest page: yesterday's (made on first look if the 08:00 run has not yet)
and the days before."""

from datetime import date

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from linkmall.cards import digest
from linkmall.cards.models import Digest
from linkmall.cards.radar import radar_scope_for
from linkmall.cards.radar_views import _guide_param, guide_or_owner
from linkmall.core.errors import DomainError
from linkmall.stores.models import Guide


def digest_for_request(request) -> tuple[Guide, Digest, list[Digest]]:
    """The digest a guide (or their merchant owner, with ?guide=) asks for; 404 for anybody else's."""
    try:
        scope = radar_scope_for(user=request.user, guide_id=_guide_param(request))
    except DomainError:
        raise Http404 from None
    if not scope.guide_ids:
        raise Http404
    guide = Guide.objects.select_related("user").get(pk=scope.own_guide_id or scope.guide_ids[0])
    raw = request.GET.get("day", "")
    try:
        day = date.fromisoformat(raw) if raw else digest.yesterday()
    except ValueError:
        raise Http404 from None
    if day > digest.yesterday():
        raise Http404  # a day that has not ended has no digest
    shown = Digest.objects.filter(guide=guide, day=day).first() if raw else None
    if shown is None:
        if raw and day != digest.yesterday():
            raise Http404
        shown = digest.digest_build(guide_id=guide.pk, day=day)
    return guide, shown, digest.digest_list(guide_id=guide.pk)


@guide_or_owner
@require_GET
def digest_page(request):
    guide, shown, days = digest_for_request(request)
    guides = []
    if request.user.role != "guide":
        guides = list(Guide.objects.filter(merchant_id=guide.merchant_id).select_related("user").order_by("pk"))
    return render(request, "cards/digest.html", {
        "guide": guide, "digest": shown, "body": shown.body, "days": days, "guides": guides, "nav": "digest",
    })
