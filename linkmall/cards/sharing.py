"""Share links of a card. Each link carries the card and who shared it:

- `?s=<visitor share token>` always: the share graph (ShareEdge) from sharer to recipient;
- `&ref=<share code>` when the sharer is a logged-in consumer: the referral binding, done by the
  existing ShareVisitMiddleware (a guide sharing their own card is not a referrer);
- `&via=card|qr|poster`: the channel, for the binding (`bound_via`) and for reports.
"""

from django.urls import reverse
from django.utils.http import urlencode

from linkmall.accounts.models import Role, User
from linkmall.accounts.sharecodes import share_code_for
from linkmall.customers.models import Visitor
from linkmall.customers.tracking import visitor_share_token

CARD_CHANNELS = ("card", "qr", "poster")


def card_share_path(*, guide_id: int, visitor: Visitor | None, user: User | None, via: str = "card") -> str:
    """The site-relative share link of a card as shared by this visitor (and user, when logged in)."""
    if via not in CARD_CHANNELS:
        raise ValueError(f"unknown card channel {via!r}")
    params: dict[str, str] = {}
    if visitor is not None:
        params["s"] = visitor_share_token(visitor)
    if user is not None and user.is_authenticated and user.role == Role.CONSUMER:
        params["ref"] = share_code_for(user_id=user.pk)
        params["via"] = via
    elif via != "card":
        params["via"] = via
    path = reverse("cards:card", args=[guide_id])
    return f"{path}?{urlencode(params)}" if params else path
