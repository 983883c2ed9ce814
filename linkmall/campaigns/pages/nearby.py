"""/shop/<merchant_id>/nearby/?lat=&lng=&coord=wgs84: 附近门店与优惠 as a fragment — the merchant's
open stores nearest the visitor with their distance, opening hours, coupons (a claim button, a
geofenced one's state) and promotions (campaigns.selectors.nearby, docs/o2o.md).

The guide's card (`cards`, below campaigns) and the store home (cached for everyone) load it by URL
only after the visitor presses 使用我的位置 (`web/static/web/nearby.js` asks the browser, which
answers in WGS-84). Never cached: it depends on where the visitor is and who looks. Bad
coordinates: the fragment says so, with status 400."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from linkmall.accounts.models import Role, User
from linkmall.accounts.pages.decorators import safe_next
from linkmall.campaigns.selectors.nearby import NEARBY_LIMIT, NEARBY_RADIUS_M, nearby_offers
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError
from linkmall.stores.models import Merchant


def distance_text(metres: int) -> str:
    """"350 m" under a kilometre, else "2.4 km" (one decimal)."""
    return f"{metres} m" if metres < 1000 else f"{metres / 1000:.1f} km"


@require_GET
@never_cache
def nearby_fragment(request: HttpRequest, merchant_id: int) -> HttpResponse:
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise Http404("No such merchant.")
    viewer = request.user if isinstance(request.user, User) and request.user.role == Role.CONSUMER else None
    coord = request.GET.get("coord") or "gcj02"
    context: dict[str, object] = {"merchant": merchant, "back": safe_next(request, ""), "coord": coord,
                                  "lat": request.GET.get("lat", ""), "lng": request.GET.get("lng", ""),
                                  "radius_km": NEARBY_RADIUS_M // 1000}
    try:
        stores = nearby_offers(latitude=request.GET.get("lat", ""), longitude=request.GET.get("lng", ""),
                               coord=coord, merchant_id=merchant.pk, radius_m=NEARBY_RADIUS_M,
                               limit=NEARBY_LIMIT, user=viewer)
    except DomainError as exc:
        context["error"] = error_text(exc)
        return render(request, "campaigns/_nearby.html", context, status=exc.status)
    context["stores"] = [{"row": row, "distance": distance_text(row.distance_m)} for row in stores]
    return render(request, "campaigns/_nearby.html", context)
