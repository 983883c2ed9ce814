"""/api/v1/cards/bookings/…: a store's free slots, booking and cancelling, my and a guide's bookings."""

from ninja import Router, Status

from linkmall.accounts.auth import api_auth
from linkmall.accounts.models import Role
from linkmall.cards import selectors, services
from linkmall.cards.api_card import store_brief
from linkmall.cards.schemas import AppointmentOut, BookIn, DayOut
from linkmall.cards.slots import STORE_TZ, open_slots
from linkmall.core.errors import NotFound, PermissionDenied
from linkmall.customers.tracking import visitor_for_request
from linkmall.stores.models import Guide, Store

router = Router(tags=["cards"])
MAX_DAYS = 60


def appointment_out(a) -> dict:
    return {"id": a.pk, "store": store_brief(a.store), "guide_id": a.guide_id,
            "starts_at": a.starts_at.astimezone(STORE_TZ), "status": a.status, "note": a.note,
            "customer_name": a.user.display_name or a.user.username, "customer_phone": a.user.phone or ""}


@router.get("/slots", response=list[DayOut])
def slots(request, store: int, days: int | None = None):
    """Free future slots of an open store, by local day (Asia/Shanghai)."""
    if not Store.objects.filter(pk=store, is_active=True).exists():
        raise NotFound("No such store.")
    return [{"day": d.day, "slots": [{"starts_at": s.starts_at, "free": s.free} for s in d.slots]}
            for d in open_slots(store=store, days=min(max(days or MAX_DAYS, 1), MAX_DAYS))]


@router.post("/", response={201: AppointmentOut}, auth=api_auth)
def book(request, payload: BookIn):
    appointment = services.appointment_book(
        user=request.auth, store_id=payload.store, starts_at=payload.starts_at, guide_id=payload.guide,
        note=payload.note, visitor=visitor_for_request(request))
    return Status(201, appointment_out(appointment))


@router.post("/{int:appointment_id}/cancel", response=AppointmentOut, auth=api_auth)
def cancel(request, appointment_id: int):
    return appointment_out(services.appointment_cancel(user=request.auth, appointment_id=appointment_id))


@router.get("/mine", response=list[AppointmentOut], auth=api_auth)
def mine(request):
    return [appointment_out(a) for a in selectors.appointments_of_user(user=request.auth)]


@router.get("/guide", response=list[AppointmentOut], auth=api_auth)
def guide_bookings(request, past: bool = False):
    """The bookings made from the calling guide's card."""
    user = request.auth
    guide = Guide.objects.filter(user=user, is_active=True).first() if user.role == Role.GUIDE else None
    if guide is None:
        raise PermissionDenied("Only guides see their bookings.")
    return [appointment_out(a) for a in selectors.appointments_of_guide(guide=guide, include_past=past)]
