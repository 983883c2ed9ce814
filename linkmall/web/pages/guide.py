"""The guide's workbench (导购工作台) at /guide/: where a guide lands after logging in.

One phone screen of cards, each read through the selectors of the app that owns it, in a fixed
number of queries however busy the day was: today's radar (cards), reminders due today or
overdue (customers' CRM), today's bookings (cards), the redemption scanner (orders, when it
exists), the card's share tools (cards), the guide's coupons (campaigns) and earnings (ledger).
"""

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import forbidden, role_required
from linkmall.campaigns.models import CampaignStatus, CouponSource
from linkmall.campaigns.selectors.layer_offers import source_templates
from linkmall.cards.digest import GRADE_RANK, local_day_bounds
from linkmall.cards.models import Appointment
from linkmall.cards.radar import masked_phone, radar_scope_for, radar_today
from linkmall.cards.selectors import appointments_of_guide, card_of_guide, guide_display_name
from linkmall.cards.sharing import card_share_path
from linkmall.core import clock
from linkmall.core.errors import DomainError
from linkmall.customers.crm.access import crm_scope, profiles_in_scope
from linkmall.customers.crm.selectors import reminders_due
from linkmall.ledger.models import OwnerKind
from linkmall.ledger.selectors import balances_of
from linkmall.stores.models import Guide

#: how many lines each card shows; the card's link opens the full page
RADAR_LINES = 3
HOT_LEADS = 3
REMINDER_ROWS = 8


@dataclass(frozen=True)
class RadarToday:
    lines: list[dict]
    visitors: int
    card_views: int
    product_views: int
    hot: list[dict]


def _radar_today(items: list[dict]) -> RadarToday:
    """Today's radar items summed up: who looked, and the hottest known customers by intent grade."""
    people: dict[str, dict] = {}
    for item in items:  # newest first: each person keeps their newest line
        people.setdefault(f"p{item['profile_id']}" if item["profile_id"] else item["name"], item)
    hot = sorted((p for p in people.values() if p["grade"] in ("A", "B")),
                 key=lambda p: (-GRADE_RANK.get(p["grade"], 0), -p["id"]))[:HOT_LEADS]
    return RadarToday(
        lines=items[:RADAR_LINES], visitors=len(people),
        card_views=sum(1 for i in items if i["kind"] == "card_view"),
        product_views=sum(1 for i in items if i["kind"] == "product_view"),
        hot=hot,
    )


def _customer_name(profile) -> str:
    user = profile.user
    return profile.name or user.display_name or masked_phone(user.phone or "") or str(profile.pk)


def _earnings(guide: Guide) -> dict[str, int]:
    """The guide's ledger buckets: commission and management reward (referral.guide_pay)."""
    return balances_of(owner_kind=OwnerKind.GUIDE, owner_id=guide.pk)


@never_cache
@require_GET
@role_required(Role.GUIDE)
def guide_home(request: UserRequest) -> HttpResponse:
    try:
        scope = crm_scope(request.user)
        radar_scope = radar_scope_for(user=request.user)
    except DomainError:  # a guide row switched off by the merchant: no workbench
        return forbidden(request, roles=(Role.GUIDE,))
    guide = Guide.objects.select_related("user", "store").get(pk=radar_scope.guide_ids[0])
    now = clock.now()
    start, end = local_day_bounds(timezone.localtime(now).date())

    reminders = reminders_due(scope, within=end - now)
    bookings = list(
        appointments_of_guide(guide=guide, include_past=True)
        .filter(starts_at__gte=start, starts_at__lt=end).exclude(status=Appointment.Status.CANCELLED)
    )
    # the guide's own customers among today's bookers: their names and pages
    booked = {a.user_id for a in bookings}
    profiles = {p.user_id: p for p in profiles_in_scope(scope).filter(user_id__in=booked)} if booked else {}
    card = card_of_guide(guide)
    coupon_kinds = sum(1 for t in source_templates(merchant_id=scope.merchant_id, source=CouponSource.GUIDE, now=now)
                       if t.status == CampaignStatus.ACTIVE)
    earnings = _earnings(guide)
    return render(request, "web/guide_home.html", {
        "guide": guide, "guide_name": guide_display_name(guide), "now": now,
        "radar": _radar_today(radar_today(scope=radar_scope)),
        "reminders": [(r, _customer_name(r.profile), r.due_at < now) for r in reminders[:REMINDER_ROWS]],
        "reminders_total": len(reminders),
        "bookings": [(a, profiles.get(a.user_id), (profiles[a.user_id].name if a.user_id in profiles else "")
                      or a.user.display_name or masked_phone(a.user.phone or "")) for a in bookings],
        "card": card,
        "share_url": request.build_absolute_uri(card_share_path(guide_id=guide.pk, visitor=None, user=request.user)),
        "coupon_kinds": coupon_kinds,
        "earnings": earnings, "earnings_total": sum(earnings.values()),
        "guide_tab": "home",
    })
