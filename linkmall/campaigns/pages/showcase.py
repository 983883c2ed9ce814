"""/shop/<merchant_id>/offers/: the merchant's live promotions and claimable coupons as a fragment,
loaded by htmx into the product page (cached for everyone) and the guide's card (`cards` sits below
`campaigns`, so it names this URL instead of importing). Rendered per request and never cached: the
claim buttons depend on who looks. `next` (a path of this site) is where a claim comes back to."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from linkmall.accounts.models import Role, User
from linkmall.accounts.pages.decorators import safe_next
from linkmall.campaigns.showcase import shop_offers
from linkmall.stores.models import Merchant


@require_GET
@never_cache
def shop_offers_fragment(request: HttpRequest, merchant_id: int) -> HttpResponse:
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise Http404("No such merchant.")
    viewer = request.user if isinstance(request.user, User) and request.user.role == Role.CONSUMER else None
    return render(request, "campaigns/_shop_offers.html", {
        "offers": shop_offers(merchant=merchant, user=viewer), "back": safe_next(request, ""),
    })
