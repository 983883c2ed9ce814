"""POST /api/v1/customers/events: the beacon script's batches (contracts.md).

No CSRF and no login: navigator.sendBeacon cannot send headers. The visitor cookie is SameSite=Lax,
so another site's form cannot post as our visitor; the worst a forger can do is add events to a
visitor of their own. sendBeacon posts text/plain, so the body is read as JSON whatever its type.
"""

import json
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field, ValidationError

from linkmall.accounts.models import Role
from linkmall.core.errors import InvalidInput
from linkmall.customers import tracking
from linkmall.customers.attribution import guide_remembered
from linkmall.customers.ingest import events_ingest

router = Router(tags=["customers"])

MAX_BODY_BYTES = 64 * 1024


class EventIn(Schema):
    id: str = Field(min_length=8, max_length=64)
    kind: str = Field(max_length=16)
    merchant: int = Field(ge=1)
    store: int | None = Field(None, ge=1)
    guide: int | None = Field(None, ge=1)
    product: int | None = Field(None, ge=1)
    section: str = Field("", max_length=32)
    dwell_ms: int = Field(0, ge=0, le=2**31 - 1)
    at: datetime | None = None
    shared_by: str | None = Field(None, max_length=100)


class BatchIn(Schema):
    visitor: str | None = Field(None, max_length=64)
    consent: bool | None = None
    events: list[EventIn] = Field(default_factory=list, max_length=1000)


class BatchOut(Schema):
    accepted: int
    duplicates: int
    consented: bool


def _parse(request: HttpRequest) -> BatchIn:
    if len(request.body) > MAX_BODY_BYTES:
        raise InvalidInput("The batch is too large.", code="batch_too_large", detail={"max_bytes": MAX_BODY_BYTES})
    try:
        data = json.loads(request.body or b"{}")
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return BatchIn.model_validate(data)
    except (ValueError, ValidationError) as exc:
        errors = exc.errors(include_url=False, include_input=False) if isinstance(exc, ValidationError) else []
        fields = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in errors]
        raise InvalidInput("The batch is not valid JSON of the events contract.", detail={"errors": fields}) from exc


@router.post("/events", response=BatchOut, auth=None)
def ingest_events(request: HttpRequest, response: HttpResponse):
    batch = _parse(request)
    visitor = tracking.visitor_for_request(request)
    if visitor is None and batch.visitor and len(batch.visitor) == 32:
        visitor = tracking.Visitor.objects.filter(key=batch.visitor).first()
    user = getattr(request, "user", None)
    consumer = user if user is not None and user.is_authenticated and user.role == Role.CONSUMER else None
    events = [e.model_dump() for e in batch.events]
    remembered = guide_remembered(request)
    if remembered is not None:
        # the product pages are cached for everyone and cannot name the guide whose card the
        # visitor came from; the signed cookie that card set can
        merchant_id, guide_id = remembered
        for event in events:
            if event["guide"] is None and event["merchant"] == merchant_id:
                event["guide"] = guide_id
    result = events_ingest(visitor=visitor, consent=batch.consent, user=consumer, events=events)
    if result.visitor is not None:
        tracking.set_visitor_cookies(response, result.visitor)
    if batch.consent is not None:
        response.set_cookie(tracking.CONSENT_COOKIE, "1" if batch.consent else "0",
                            max_age=tracking.VISITOR_COOKIE_AGE, samesite="Lax")
    return {"accepted": result.accepted, "duplicates": result.duplicates, "consented": result.consented}
