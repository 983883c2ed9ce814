"""Booking a store visit from a card, and cancelling it.

No slot overbooks: each booking takes a seat number 1..capacity, and (store, starts_at, seat) is
unique, so two customers racing for the last seat cannot both insert it; the loser retries with
the seats it can now see and gets "slot_full" when none is left. One customer holds at most one
booking per slot (a partial unique index). A booking is an explicit request of the customer, so
it is recorded as a `book` event (the profile timeline and the guide's radar) and touches the
customer's profile at the merchant with the card's guide.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from linkmall.accounts.models import Role, User
from linkmall.cards.models import Appointment
from linkmall.cards.slots import STORE_TZ, booking_settings_for, booking_window, is_on_grid
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkmall.customers.models import Event, Visitor
from linkmall.customers.tracking import event_record, profile_touch, visitor_create, visitor_link_user
from linkmall.stores.models import Guide, Store

NOTE_MAX = 200


def _consumer(user: User) -> None:
    if not user.is_authenticated or not user.is_active or user.role != Role.CONSUMER:
        raise PermissionDenied("Only customers book store visits.")


def _visitor_of(user: User, visitor: Visitor | None) -> Visitor:
    """The visitor the booking event belongs to: the browser's, else the customer's latest one (the
    mini-program has no cookie), else a new one for them."""
    if visitor is not None and visitor.user_id == user.pk:
        return visitor
    if visitor is not None and visitor.user_id is None:
        # the browser's visitor was anonymous until this login: its traces are this customer's
        return visitor_link_user(visitor=visitor, user=user)
    found = Visitor.objects.filter(user=user).order_by("-last_seen_at", "-pk").first()
    return found or visitor_create(user=user)


def _validate(*, store: Store, guide: Guide | None, starts_at: datetime, note: str, settings) -> None:
    if timezone.is_naive(starts_at):
        raise InvalidInput("The slot time needs a time zone.", code="invalid_slot", detail={"field": "starts_at"})
    if guide is not None and (guide.store_id != store.pk or not guide.is_active):
        raise NotFound("No such guide.")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"The note is longer than {NOTE_MAX} characters.", detail={"field": "note"})
    first, last = booking_window(settings)
    local = starts_at.astimezone(STORE_TZ)
    if not is_on_grid(settings, starts_at):
        raise InvalidInput("That is not one of the store's slots.", code="invalid_slot",
                           detail={"starts_at": starts_at.isoformat()})
    if starts_at <= clock.now() or not first <= local.date() <= last:
        raise Conflict("That slot cannot be booked any more.", code="slot_unavailable",
                       detail={"starts_at": starts_at.isoformat()})


def appointment_book(*, user: User, store_id: int, starts_at: datetime, guide_id: int | None = None,
                     note: str = "", visitor: Visitor | None = None) -> Appointment:
    """Book a seat of a slot. Refused: not a customer, an unknown or closed store, a time off the
    grid or in the past (`invalid_slot`, `slot_unavailable`), a full slot (`slot_full`), a second
    booking of the same slot by the same customer (`already_booked`)."""
    _consumer(user)
    store = Store.objects.filter(pk=store_id, is_active=True).first()
    if store is None:
        raise NotFound("No such store.")
    guide = Guide.objects.filter(pk=guide_id).first() if guide_id else None
    if guide_id and guide is None:
        raise NotFound("No such guide.")
    note = (note or "").strip()
    settings = booking_settings_for(store)
    _validate(store=store, guide=guide, starts_at=starts_at, note=note, settings=settings)
    appointment = _take_seat(user=user, store=store, guide=guide, starts_at=starts_at, note=note,
                             capacity=settings.capacity)
    visitor = _visitor_of(user, visitor)
    guide_id = guide.pk if guide else None
    event_record(visitor=visitor, kind=Event.Kind.BOOK, merchant_id=store.merchant_id, store_id=store.pk,
                 guide_id=guide_id, section="booking", dedupe_key=f"book:{appointment.pk}")
    if visitor.user_id != user.pk:
        # the browser's visitor is not linked to the customer yet, so the event did not touch the profile
        profile_touch(merchant_id=store.merchant_id, user=user, guide_id=guide_id)
    return appointment


def _already_booked(*, user: User, store: Store, starts_at: datetime) -> Appointment | None:
    return Appointment.objects.filter(user=user, store=store, starts_at=starts_at,
                                      status=Appointment.Status.BOOKED).first()


def _take_seat(*, user, store, guide, starts_at, note, capacity) -> Appointment:
    # every failed insert means someone else took a seat, so capacity + 1 tries always settle it
    for _ in range(capacity + 1):
        if _already_booked(user=user, store=store, starts_at=starts_at) is not None:
            raise Conflict("You have already booked this slot.", code="already_booked")
        taken = set(
            Appointment.objects.filter(store=store, starts_at=starts_at, seat__isnull=False)
            .values_list("seat", flat=True)
        )
        free = next((seat for seat in range(1, capacity + 1) if seat not in taken), None)
        if free is None:
            raise Conflict("This slot is fully booked. Please choose another time.", code="slot_full",
                           detail={"starts_at": starts_at.isoformat()})
        try:
            with transaction.atomic():
                return Appointment.objects.create(store=store, guide=guide, user=user, starts_at=starts_at,
                                                  seat=free, note=note)
        except IntegrityError:
            continue  # lost the race for that seat (or our own double tap): look again
    raise Conflict("This slot is fully booked. Please choose another time.", code="slot_full",
                   detail={"starts_at": starts_at.isoformat()})


def appointment_cancel(*, user: User, appointment_id: int) -> Appointment:
    """The customer cancels their own booking before it starts; the seat is freed. Idempotent."""
    _consumer(user)
    appointment = Appointment.objects.filter(pk=appointment_id, user=user).first()
    if appointment is None:
        raise NotFound("No such booking.")
    if appointment.status == Appointment.Status.CANCELLED:
        return appointment
    if appointment.status != Appointment.Status.BOOKED or appointment.starts_at <= clock.now():
        raise Conflict("This booking can no longer be cancelled.", code="not_cancellable")
    Appointment.objects.filter(pk=appointment.pk, status=Appointment.Status.BOOKED).update(
        status=Appointment.Status.CANCELLED, seat=None)
    appointment.refresh_from_db()
    return appointment

