"""/api/v1/customers/profiles: the customer console as JSON, for the guide's mini-program.

Same rules as the pages: an owner sees every customer of the merchant, a guide their own, with
phone numbers masked; anything else answers 404.
"""

from dataclasses import replace
from datetime import datetime

from ninja import Router, Schema, Status
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.core.paging import paginate_clamped
from linkmall.customers.crm import selectors, services
from linkmall.customers.crm.access import crm_scope, mask_phone, profile_in_scope

router = Router(tags=["customers"])
PAGE_SIZE = 20


class TagOut(Schema):
    id: int
    name: str
    kind: str


class ProfileRow(Schema):
    id: int
    name: str
    phone: str
    guide_id: int | None
    layer: str
    intent_grade: str
    intent_score: float | None
    clv_fen: int | None
    first_seen_at: datetime
    last_seen_at: datetime | None
    tags: list[TagOut]


class ProfilePage(Schema):
    #: read from a core.paging.Page; its total and items are named `count` and `results` here
    count: int = Field(alias="total")
    page: int
    pages: int
    results: list[ProfileRow] = Field(alias="items")


class TimelineOut(Schema):
    at: datetime
    kind: str
    title: str
    detail: str
    products: list[str]
    sections: list[str]
    dwell_s: int
    ended_at: datetime | None
    amount_fen: int
    refunded_fen: int
    follow_up: bool
    author: str


class ReminderOut(Schema):
    id: int
    profile_id: int
    body: str
    due_at: datetime
    done_at: datetime | None
    source: str


class ProfileDetail(ProfileRow):
    scores: dict
    expected_purchases: float | None
    interests: dict[str, float]
    timeline: list[TimelineOut]
    reminders: list[ReminderOut]


class NoteIn(Schema):
    body: str = Field(max_length=2000)
    follow_up: bool = True


class NoteOut(Schema):
    id: int
    body: str
    is_follow_up: bool
    created_at: datetime


class TagIn(Schema):
    name: str = Field(max_length=64)


class ReminderIn(Schema):
    body: str = Field(max_length=200)
    due_at: datetime


def _row(profile, scope, tags) -> dict:
    return {
        "id": profile.pk, "name": profile.name or profile.user.display_name, "guide_id": profile.guide_id,
        "phone": mask_phone(profile.user.phone, scope), "layer": profile.layer, "intent_grade": profile.intent_grade,
        "intent_score": profile.intent_score, "clv_fen": profile.clv_fen, "first_seen_at": profile.first_seen_at,
        "last_seen_at": profile.last_seen_at,
        "tags": [{"id": pt.tag_id, "name": pt.tag.name, "kind": pt.tag.kind} for pt in tags],
    }


@router.get("/profiles", response=ProfilePage, auth=api_auth)
def list_profiles(request, layer: str = "", grade: str = "", tag: str = "", q: str = "", page: int = 1):
    scope = crm_scope(request.auth)
    rows = selectors.profile_list(scope, layer=layer, grade=grade, tag=tag, q=q)
    current = paginate_clamped(rows, page=page, page_size=PAGE_SIZE)
    return replace(current, items=[_row(p, scope, p.profile_tags.all()) for p in current.items])


@router.get("/profiles/reminders", response=list[ReminderOut], auth=api_auth)
def due_reminders(request):
    return selectors.reminders_due(crm_scope(request.auth))


@router.post("/profiles/reminders/{int:reminder_id}/done", response=ReminderOut, auth=api_auth)
def finish_reminder(request, reminder_id: int):
    return services.reminder_done(scope=crm_scope(request.auth), reminder_id=reminder_id)


@router.get("/profiles/{int:profile_id}", response=ProfileDetail, auth=api_auth)
def get_profile(request, profile_id: int):
    scope = crm_scope(request.auth)
    profile = services.profile_refresh(profile=profile_in_scope(scope, profile_id))
    return {
        **_row(profile, scope, selectors.profile_tags(profile)),
        "scores": profile.scores or {}, "expected_purchases": profile.expected_purchases,
        "interests": profile.interests or {}, "timeline": [vars(i) for i in selectors.timeline(profile)],
        "reminders": selectors.profile_reminders(profile),
    }


@router.post("/profiles/{int:profile_id}/notes", response={201: NoteOut}, auth=api_auth)
def add_note(request, profile_id: int, payload: NoteIn):
    scope = crm_scope(request.auth)
    profile = profile_in_scope(scope, profile_id)
    return Status(201, services.note_add(scope=scope, profile=profile, body=payload.body,
                                         follow_up=payload.follow_up))


@router.post("/profiles/{int:profile_id}/tags", response={201: TagOut}, auth=api_auth)
def add_tag(request, profile_id: int, payload: TagIn):
    scope = crm_scope(request.auth)
    profile = profile_in_scope(scope, profile_id)
    return Status(201, services.profile_tag_add(scope=scope, profile=profile, name=payload.name))


@router.delete("/profiles/{int:profile_id}/tags/{int:tag_id}", response={204: None}, auth=api_auth)
def remove_tag(request, profile_id: int, tag_id: int):
    scope = crm_scope(request.auth)
    services.profile_tag_remove(scope=scope, profile=profile_in_scope(scope, profile_id), tag_id=tag_id)
    return Status(204, None)


@router.post("/profiles/{int:profile_id}/reminders", response={201: ReminderOut}, auth=api_auth)
def add_reminder(request, profile_id: int, payload: ReminderIn):
    scope = crm_scope(request.auth)
    profile = profile_in_scope(scope, profile_id)
    return Status(201, services.reminder_create(scope=scope, profile=profile, body=payload.body,
                                                due_at=payload.due_at))
