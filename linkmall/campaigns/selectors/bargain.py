"""Reads of bargains (砍价): a shop's running activities, one bargain with its helpers (names
masked), and the console's list."""

from dataclasses import dataclass

from django.db.models import QuerySet

from linkmall.accounts.models import User
from linkmall.campaigns.models import Bargain, BargainActivity, BargainHelp, BargainStatus, CampaignStatus
from linkmall.campaigns.selectors.invites import mask_name
from linkmall.core import clock
from linkmall.core.errors import NotFound
from linkmall.stores.selectors.merchant import merchant_id_of


def shop_bargains(*, merchant_id: int) -> QuerySet[BargainActivity]:
    """The merchant's running activities, ending soonest first (public)."""
    now = clock.now()
    return (BargainActivity.objects.select_related("listing__product")
            .filter(merchant_id=merchant_id, status=CampaignStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now)
            .order_by("ends_at", "pk"))


def bargain_activities_of(*, actor: User, merchant_id: int | None = None) -> QuerySet[BargainActivity]:
    """Every activity of the actor's merchant (platform staff name it), newest first."""
    owner = merchant_id_of(actor=actor, merchant_id=merchant_id)
    return (BargainActivity.objects.select_related("listing__product").filter(merchant_id=owner)
            .order_by("-created_at", "-pk"))


def bargain_counts(activity_ids: list[int]) -> dict[int, dict[str, int]]:
    """{activity_id: {"open": n, "bought": n, "expired": n}} for the console."""
    counts: dict[int, dict[str, int]] = {pk: {s: 0 for s in BargainStatus.values} for pk in activity_ids}
    for activity_id, status in Bargain.objects.filter(activity_id__in=activity_ids).values_list(
            "activity_id", "status"):
        counts[activity_id][status] += 1
    return counts


@dataclass(frozen=True)
class HelperRow:
    name: str
    initial: str
    cut_fen: int


@dataclass(frozen=True)
class BargainView:
    bargain: Bargain
    #: open (time left), bought, expired (also an open one whose time is up)
    state: str
    helpers: list[HelperRow]
    percent: int
    helpers_left: int


def bargain_state(bargain: Bargain) -> str:
    if bargain.status == BargainStatus.OPEN and bargain.expires_at <= clock.now():
        return BargainStatus.EXPIRED
    return bargain.status


def bargain_view(*, bargain_id: int, merchant_id: int | None = None) -> BargainView:
    """One bargain for its page (anyone with the link sees it; helpers' names are masked)."""
    rows = Bargain.objects.select_related("activity__listing__product")
    if merchant_id is not None:
        rows = rows.filter(activity__merchant_id=merchant_id)
    bargain = rows.filter(pk=bargain_id).first()
    if bargain is None:
        raise NotFound("No such bargain.")
    helps = BargainHelp.objects.select_related("helper").filter(bargain=bargain).order_by("seq")
    helpers = []
    for row in helps:
        name = mask_name(row.helper.display_name or row.helper.phone or row.helper.username)
        helpers.append(HelperRow(name=name, initial=name[:1], cut_fen=row.cut_fen))
    total = bargain.start_fen - bargain.floor_fen
    percent = (bargain.start_fen - bargain.price_fen) * 100 // total if total else 100
    return BargainView(bargain=bargain, state=bargain_state(bargain), helpers=helpers, percent=percent,
                       helpers_left=len(bargain.cuts) - bargain.cuts_made)
