"""/api/v1/cards/radar: the radar for the mini-program, which polls with ?after=<last id>."""

from ninja import Query, Router, Schema
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.cards.radar import radar_latest, radar_scope_for, radar_since

router = Router(tags=["cards-radar"])


class RadarQuery(Schema):
    after: int | None = Field(None, ge=0, le=2**62, description="resume after this event id; omit for the newest")
    guide: int | None = Field(None, ge=1, le=2**62, description="a merchant owner may pick one guide")
    limit: int = Field(50, ge=1, le=100)


class RadarItemOut(Schema):
    id: int = Field(description="the newest event this line covers: the cursor for ?after=")
    key: int = Field(description="the view event the line stands for; a later line with the same key replaces it")
    kind: str
    line: str
    name: str
    grade: str
    layer: str
    profile_id: int | None
    guide_id: int | None
    guide: str
    product_id: int | None
    dwell_ms: int
    visit: int
    at: str
    time: str


class RadarOut(Schema):
    items: list[RadarItemOut]
    last_id: int


@router.get("", response=RadarOut, auth=api_auth)
def radar(request, query: Query[RadarQuery]):
    """Newest first without `after`; oldest first (to append in order) with it."""
    scope = radar_scope_for(user=request.auth, guide_id=query.guide)
    if query.after is None:
        items = radar_latest(scope=scope, limit=query.limit)
    else:
        items = radar_since(scope=scope, after=query.after, limit=query.limit)
    last_id = max([i["id"] for i in items] + [query.after or 0])
    return {"items": items, "last_id": last_id}
