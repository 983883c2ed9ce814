"""Consumer pages: 我的优惠券 (the wallet, /me/coupons/) and a merchant's claim centre (领券中心,
/shop/<merchant_id>/coupons/). Thin: read through the selectors, claim through the service."""

import base64

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import User
from linkmall.accounts.pages.decorators import consumer_page, safe_next
from linkmall.campaigns import selectors, services
from linkmall.campaigns.models import CouponTemplate
from linkmall.campaigns.offers import template_label
from linkmall.campaigns.selectors.nearby import claim_point
from linkmall.core import clock
from linkmall.core.drawing import qr_png
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError
from linkmall.core.paging import paginate_clamped
from linkmall.stores.models import Merchant

PAGE_SIZE = 20
TABS = (("usable", gettext_lazy("可使用")), ("used", gettext_lazy("已使用")), ("expired", gettext_lazy("已过期")))


@consumer_page
def wallet(request: UserRequest) -> HttpResponse:
    tab = request.GET.get("tab", "usable")
    if tab not in selectors.WALLET_TABS:
        tab = "usable"
    page = paginate_clamped(selectors.my_coupons(user=request.user, tab=tab), page=request.GET.get("page"),
                            page_size=PAGE_SIZE)
    now = clock.now()
    coupons = []
    for c in page.items:
        state = selectors.wallet_state(c, now)
        coupons.append({"coupon": c, "label": template_label(c.template), "state": state,
                        "qr": _code_qr(c.code) if c.template.in_store and c.code and state in _SHOWS_CODE else ""})
    return render(request, "campaigns/wallet.html", {"tabs": TABS, "tab": tab, "page": page, "coupons": coupons})


#: the wallet states in which an in-store coupon shows its code and QR
_SHOWS_CODE = ("usable", "not_started")


def _code_qr(code: str) -> str:
    """An in-store coupon's QR as a data URL: the 8 digits themselves, drawn like the pick-up
    code's (`core.drawing.qr_png`), so the store scans or types the same thing (docs/o2o.md)."""
    return "data:image/png;base64," + base64.b64encode(qr_png(code)).decode("ascii")


def _claim_centre_url(request: HttpRequest, merchant_id: int) -> str:
    """Where a claim comes back to: the page the 领取 button was on (product, cart, card) when it
    names one in `next`, else the claim centre."""
    return safe_next(request, reverse("campaigns:claim_centre", args=[merchant_id]))


def claim_centre(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """Anyone may look; claiming (a POST) needs a consumer's login, which comes back here."""
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise Http404("No such merchant.")
    if request.method == "POST":
        return _claim(request, merchant_id)
    viewer = request.user if isinstance(request.user, User) else None
    offers = [{"item": item, "label": template_label(item.template)}
              for item in selectors.claimable_templates(merchant_id=merchant.pk, user=viewer)]
    return render(request, "campaigns/claim_centre.html", {"merchant": merchant, "offers": offers})


@consumer_page(back=_claim_centre_url)
def _claim(request: UserRequest, merchant_id: int) -> HttpResponse:
    raw = request.POST.get("template_id", "")
    back = redirect(_claim_centre_url(request, merchant_id))
    template_id = int(raw) if raw.isdigit() and len(raw) < 10 else 0
    if not CouponTemplate.objects.filter(pk=template_id, merchant_id=merchant_id).exists():
        messages.error(request, _("没有找到这张优惠券。"))
        return back
    try:
        # a geofenced coupon (地理围栏券) posts the visitor's location: WGS-84 from the browser
        point = claim_point(lat=request.POST.get("lat") or None, lng=request.POST.get("lng") or None,
                            coord=request.POST.get("coord") or "gcj02")
        services.coupon_claim(user=request.user, template_id=template_id, point=point)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("领取成功，已放入“我的优惠券”。"))
    return back
