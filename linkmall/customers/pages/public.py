"""Public pages of the tracking notice: what is kept, for how long, and withdrawing consent."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from linkmall.customers import tracking
from linkmall.customers.retention import DEFAULT_RETENTION_DAYS, retention_days_for


@require_http_methods(["GET", "POST"])
def privacy(request):
    merchant = request.GET.get("m", "")
    days = retention_days_for(int(merchant)) if merchant.isdigit() and len(merchant) < 12 else DEFAULT_RETENTION_DAYS
    visitor = tracking.visitor_for_request(request)
    withdrawn = False
    if request.method == "POST" and visitor is not None:
        tracking.visitor_consent(visitor=visitor, consent=False)
        withdrawn = True
    response = render(request, "customers/privacy.html", {
        "retention_days": days, "consented": visitor is not None and visitor.consented_at is not None,
        "withdrawn": withdrawn,
    })
    if withdrawn:
        response.set_cookie(tracking.CONSENT_COOKIE, "0", max_age=tracking.VISITOR_COOKIE_AGE, samesite="Lax")
    return response
