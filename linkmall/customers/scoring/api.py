"""/api/v1/customers/me/offers: the offers and nudges a consumer's layers brought them."""

from datetime import datetime

from ninja import Router, Schema

from linkmall.accounts.auth import api_auth
from linkmall.customers.models import Outreach

router = Router(tags=["customers"])


class OfferOut(Schema):
    id: int
    merchant_id: int
    merchant_name: str
    kind: str
    kind_label: str
    period: str
    detail: str
    created_at: datetime
    seen_at: datetime | None


@router.get("", response=list[OfferOut], auth=api_auth)
def my_offers(request):
    """Newest first, the last 50: an offer of a past period is history, not something to act on."""
    rows = (Outreach.objects.filter(profile__user=request.auth).select_related("profile__merchant")
            .order_by("-created_at", "-pk")[:50])
    labels = dict(Outreach.Kind.choices)
    return [OfferOut(id=o.pk, merchant_id=o.profile.merchant_id, merchant_name=o.profile.merchant.name, kind=o.kind,
                     kind_label=str(labels[o.kind]), period=o.period, detail=o.detail, created_at=o.created_at,
                     seen_at=o.seen_at) for o in rows]
