"""Booking a store visit from a card, my bookings, and the guide's bookings (page and JSON)."""

import csv
from datetime import date, datetime

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linkmall.accounts.pages.decorators import consumer_page, consumer_required
from linkmall.cards import selectors, services
from linkmall.cards.pages.common import guide_page, or_404
from linkmall.cards.slots import STORE_TZ, open_slots
from linkmall.core.error_codes import code_text, error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.customers.tracking import visitor_for_request


def _book_url(request, guide_id: int, **_ignored) -> str:
    return reverse("cards:card_book", args=[guide_id])


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _parse_slot(value: str | None) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _render_book(request, card, *, error: str = "", chosen: str = "", note: str = "", status: int = 200):
    days = open_slots(store=card.guide.store_id)
    wanted = _parse_day(request.GET.get("day") or request.POST.get("day"))
    current = next((d for d in days if d.day == wanted), days[0] if days else None)
    return render(request, "cards/book.html", {
        "card": card, "guide": card.guide, "store": card.guide.store, "name": selectors.guide_display_name(card.guide),
        "days": days, "current": current, "error": error, "chosen": chosen, "note": note,
    }, status=status)


@require_http_methods(["GET", "POST"])
def card_book(request, guide_id: int):
    card = or_404(selectors.card_get_published, guide_id=guide_id)
    if request.method == "GET":
        return _render_book(request, card)
    return consumer_page(_book, back=_book_url)(request, guide_id, card=card)


def _book(request, guide_id: int, *, card):
    chosen, note = request.POST.get("slot", ""), request.POST.get("note", "").strip()
    starts_at = _parse_slot(chosen)
    if starts_at is None:
        return _render_book(request, card, error=code_text("invalid_slot"), note=note, status=400)
    try:
        appointment = services.appointment_book(
            user=request.user, store_id=card.guide.store_id, starts_at=starts_at, guide_id=card.guide_id,
            note=note, visitor=visitor_for_request(request))
    except DomainError as exc:
        return _render_book(request, card, error=error_text(exc), chosen=chosen, note=note,
                            status=exc.status if exc.status < 500 else 400)
    local = appointment.starts_at.astimezone(STORE_TZ)
    messages.success(request, _("预约成功：%(when)s，%(store)s") % {
        "when": local.strftime("%m-%d %H:%M"), "store": card.guide.store.name})
    return redirect("cards:my_bookings")


@require_GET
@consumer_required
def my_bookings(request):
    rows = list(selectors.appointments_of_user(user=request.user))
    return render(request, "cards/my_bookings.html", {"appointments": rows, "tz": STORE_TZ})


@require_POST
def my_booking_cancel(request, appointment_id: int):
    return consumer_page(_cancel, back=lambda request, appointment_id: reverse("cards:my_bookings"))(
        request, appointment_id)


def _cancel(request, appointment_id: int):
    try:
        services.appointment_cancel(user=request.user, appointment_id=appointment_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("预约已取消"))
    return redirect("cards:my_bookings")


def _guide_rows(request):
    return selectors.appointments_of_guide(guide=request.guide, include_past=request.GET.get("past") == "1")


@require_GET
@guide_page
def guide_bookings(request):
    rows = _guide_rows(request)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="bookings.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow([_("时间"), _("顾客"), _("手机号"), _("门店"), _("状态"), _("备注")])
        for a in rows:
            writer.writerow([a.starts_at.astimezone(STORE_TZ).strftime("%Y-%m-%d %H:%M"),
                             a.user.display_name or a.user.username, a.user.phone or "", a.store.name,
                             a.get_status_display(), a.note])
        return response
    return render(request, "cards/guide_bookings.html", {"appointments": list(rows), "tz": STORE_TZ,
                                                         "past": request.GET.get("past") == "1"})


@require_GET
@guide_page
def guide_bookings_json(request):
    return JsonResponse({"items": [appointment_json(a) for a in _guide_rows(request)]})


def appointment_json(a) -> dict:
    return {
        "id": a.pk, "starts_at": a.starts_at.astimezone(STORE_TZ).isoformat(), "status": a.status,
        "store": {"id": a.store_id, "name": a.store.name}, "note": a.note,
        "customer": {"id": a.user_id, "name": a.user.display_name or a.user.username, "phone": a.user.phone or ""},
    }
