"""/api/v1/cards/digest: a guide's daily digest for the mini-program."""

from datetime import date

from ninja import Query, Router, Schema
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.cards import digest
from linkmall.cards.models import Digest
from linkmall.cards.radar import radar_scope_for
from linkmall.core.errors import InvalidInput, NotFound

router = Router(tags=["cards-digest"])


class DigestQuery(Schema):
    day: date | None = Field(None, description="a past day (YYYY-MM-DD); yesterday by default")
    guide: int | None = Field(None, ge=1, le=2**62, description="a merchant owner names the guide")


class DigestOut(Schema):
    guide_id: int
    day: date
    created_at: str
    body: dict
    previous_days: list[date]


@router.get("", response=DigestOut, auth=api_auth)
def digest_get(request, query: Query[DigestQuery]):
    scope = radar_scope_for(user=request.auth, guide_id=query.guide)
    if not scope.guide_ids:
        raise NotFound("No such guide.")
    guide_id = scope.own_guide_id or scope.guide_ids[0]
    yesterday = digest.yesterday()
    day = query.day or yesterday
    if day > yesterday:
        raise InvalidInput("A day that has not ended has no digest yet.", detail={"latest": yesterday.isoformat()})
    shown = digest.digest_build(guide_id=guide_id, day=day) if day == yesterday else \
        Digest.objects.filter(guide_id=guide_id, day=day).first()
    if shown is None:
        raise NotFound("No digest for that day.")
    return {"guide_id": guide_id, "day": shown.day, "created_at": shown.created_at.isoformat(), "body": shown.body,
            "previous_days": [d.day for d in digest.digest_list(guide_id=guide_id) if d.day != shown.day]}
