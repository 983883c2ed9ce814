"""The guide's radar page and its event stream. Thin: resolve who watches what, then render."""

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.cards.radar import radar_latest, radar_scope_for
from linkmall.cards.radar_stream import parse_cursor, radar_stream
from linkmall.core.errors import DomainError
from linkmall.stores.models import Guide

guide_or_owner = role_required(Role.GUIDE, Role.MERCHANT_OWNER)


def _guide_param(request) -> int | None:
    raw = request.GET.get("guide", "")
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


@guide_or_owner
@require_GET
def radar_page(request):
    try:
        scope = radar_scope_for(user=request.user, guide_id=_guide_param(request))
    except DomainError:
        raise Http404 from None
    items = radar_latest(scope=scope, limit=50)
    guides = []
    if scope.own_guide_id is None:
        guides = list(Guide.objects.filter(merchant_id=scope.merchant_id).select_related("user").order_by("pk"))
    return render(request, "cards/radar.html", {
        "items": items, "after": max((i["id"] for i in items), default=0), "guides": guides,
        "guide_filter": _guide_param(request), "nav": "radar",
    })


@require_GET
def radar_stream_view(request):
    """text/event-stream. Refusals are plain 4xx: EventSource stops retrying on them."""
    if not request.user.is_authenticated:
        return HttpResponse("log in first\n", status=401, content_type="text/plain; charset=utf-8")
    try:
        scope = radar_scope_for(user=request.user, guide_id=_guide_param(request))
    except DomainError as exc:
        return HttpResponse(exc.message + "\n", status=exc.status, content_type="text/plain; charset=utf-8")
    after = parse_cursor(last_event_id=request.headers.get("Last-Event-ID"), after=request.GET.get("after"))
    response = StreamingHttpResponse(radar_stream(scope=scope, after=after, language=translation.get_language()),
                                     content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event through as it comes
    return response
