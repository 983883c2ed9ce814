"""`/card/` (or `/nearest/`): route a visitor who has no guide yet to a guide of the nearest store.

A visitor who opened a card before goes back to that guide. Otherwise the page asks the browser
for its position (WGS-84), comes back with `?lat=&lng=` and is sent to a card of a guide of the
nearest open store, or to the store's home when it has no guide. `?merchant=` limits the search
to one merchant's stores (a QR code at a merchant's door).
"""

import math

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from linkmall.cards import selectors
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.params import db_id
from linkmall.customers.attribution import guide_remembered


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


@require_GET
def nearest(request):
    merchant_id = db_id(request.GET.get("merchant"))
    lat, lng = _number(request.GET.get("lat")), _number(request.GET.get("lng"))
    if lat is None or lng is None:
        remembered = guide_remembered(request)
        if remembered is not None and merchant_id in (None, remembered[0]):
            try:
                selectors.card_get_published(remembered[1])
            except NotFound:
                pass
            else:
                return redirect("cards:card", guide_id=remembered[1])
        return render(request, "cards/nearest.html", {"merchant_id": merchant_id, "error": bool(
            request.GET.get("lat") or request.GET.get("lng"))}, status=400 if request.GET.get("lat") else 200)
    try:
        found = selectors.nearest_card(latitude=lat, longitude=lng, coord=request.GET.get("coord", "wgs84"),
                                       merchant_id=merchant_id)
    except DomainError:
        return render(request, "cards/nearest.html", {"merchant_id": merchant_id, "error": True}, status=400)
    if found is None:
        return render(request, "cards/nearest.html", {"merchant_id": merchant_id, "none": True}, status=404)
    if found.guide_id is None:
        return redirect("web:store_home", store_id=found.store.pk)
    return redirect(reverse("cards:card", args=[found.guide_id]))
