"""Which guide brought a visitor: the `lm_guide` cookie a card page sets, read at checkout and by
the event ingest (a product page is served from a shared cache, so it cannot name the guide itself).

The cookie is signed (merchant id + guide id) so a buyer cannot credit an order to a guide they
never met, and it lasts 30 days — a customer often buys days after seeing a card. The checkout
credits the guide only when the order's merchant is the guide's.
"""

from django.core import signing

from linkmall.stores.models import Guide

GUIDE_COOKIE = "lm_guide"
GUIDE_COOKIE_SALT = "linkmall.cards.guide"
GUIDE_COOKIE_SECONDS = 30 * 24 * 3600


def guide_remember(response, *, merchant_id: int, guide_id: int) -> None:
    response.set_signed_cookie(GUIDE_COOKIE, f"{merchant_id}:{guide_id}", salt=GUIDE_COOKIE_SALT,
                               max_age=GUIDE_COOKIE_SECONDS, httponly=True, samesite="Lax")


def guide_remembered(request) -> tuple[int, int] | None:
    """(merchant id, guide id) of the last card this browser opened, if the cookie is valid."""
    if GUIDE_COOKIE not in request.COOKIES:
        return None
    try:
        value = request.get_signed_cookie(GUIDE_COOKIE, salt=GUIDE_COOKIE_SALT, max_age=GUIDE_COOKIE_SECONDS)
        merchant_id, guide_id = (int(part) for part in value.split(":"))
    except (KeyError, ValueError, signing.BadSignature):
        return None
    return merchant_id, guide_id


def guide_for_order(request, *, merchant_id: int) -> Guide | None:
    """The active guide of `merchant_id` whose card brought this buyer, or None."""
    remembered = guide_remembered(request)
    if remembered is None or remembered[0] != merchant_id:
        return None
    return Guide.objects.filter(pk=remembered[1], merchant_id=merchant_id, is_active=True).first()
