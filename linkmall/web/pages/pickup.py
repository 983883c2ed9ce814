"""到店自提 on the buyer's order page: the pick-up code's QR image (docs/o2o.md)."""

from django.http import Http404, HttpResponse

from linkmall.accounts.pages.decorators import consumer_page
from linkmall.core.drawing import qr_png
from linkmall.core.errors import NotFound
from linkmall.web import selectors


@consumer_page
def order_pickup_qr(request, number: str):
    """The QR of the buyer's pick-up code: only the buyer's own order, only while it is ready (待自提).
    The QR holds the 8 digits themselves, so scanning and typing are the same thing."""
    try:
        order = selectors.buyer_order_get(user=request.user, number=number)
    except NotFound:
        raise Http404 from None
    if not order.pickup_ready:
        raise Http404
    response = HttpResponse(qr_png(order.pickup_code), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response
