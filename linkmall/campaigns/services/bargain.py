"""Bargains (砍价) on the database: the merchant's activity, a buyer's bargain, friends' cuts.

A buyer starts a bargain (one open per buyer and activity) and the whole cut sequence is drawn
then: `helpers_needed` random cuts of at least one fen adding up exactly to start − floor
(`draw_cuts`). Each friend's help applies the next cut under the bargain's row lock, once per
friend, before it expires. The buyer buys at the current price at any time (`orders.bargain`
places the order with `bargain_take` + `bargain_bought` in one transaction); an unpaid order that
is cancelled or expires reopens the bargain while it has time left (`bargain_order_released`).
A task booked at each bargain's `expires_at` (`tasks_bargain.bargain_expire_task`) marks it expired
when it is still open then; `linkmall bargain expire` does it for every lapsed one at once.
"""

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.activities import ActivityLine
from linkmall.campaigns.models import (
    Bargain,
    BargainActivity,
    BargainHelp,
    BargainStatus,
    CampaignStatus,
    Funder,
)
from linkmall.campaigns.services._common import (
    Errors,
    activity_listing,
    activity_name_and_funder,
    activity_window,
    check_activity_cost,
    check_move,
    require_changeable,
    require_merchant_owner,
    whole,
)
from linkmall.core import clock
from linkmall.core.errors import Conflict, NotFound
from linkmall.core.locking import lock_one
from linkmall.core.money import allocate
from linkmall.core.tasks import enqueue_after
from linkmall.stores.models import Listing, Merchant

MAX_HELPERS = 100
MAX_HOURS = 168
#: the spread of the drawn weights: a cut is at most about this many times another (plus the 1 fen each)
WEIGHT_SPREAD = 1000

_random = random.SystemRandom()


def draw_cuts(total_fen: int, count: int, rng: random.Random | None = None) -> list[int]:
    """`count` cuts, each at least one fen, adding up exactly to `total_fen` (largest remainder on
    random weights); the larger cuts come first, as a buyer expects the first friends to cut most."""
    if count < 1 or total_fen < count:
        raise ValueError("every cut needs at least one fen")
    draw = rng or _random
    weights = [draw.randint(1, WEIGHT_SPREAD) for _ in range(count)]
    cuts = [1 + part for part in allocate(total_fen - count, weights)]
    return sorted(cuts, reverse=True)


@dataclass(frozen=True)
class BargainFields:
    listing_id: int
    name: str
    floor_fen: int
    helpers_needed: int
    starts_at: datetime
    ends_at: datetime
    #: None: the listing's price
    start_fen: int | None = None
    hours: int = 24
    funder: str = Funder.MERCHANT
    rewards: bool = False


def _clean(fields: BargainFields, *, merchant: Merchant, actor: User) -> tuple[Listing, int]:
    errors = Errors()
    values: Mapping[str, Any] = fields.__dict__
    activity_name_and_funder(values, errors, actor=actor)
    listing = activity_listing(fields.listing_id, errors, merchant=merchant)
    top = listing.price_fen if listing is not None else 0
    start = whole(values, "start_fen", errors, minimum=1, maximum=max(top, 1), optional=True)
    start = start if start is not None else top
    floor = whole(values, "floor_fen", errors, minimum=1, maximum=max(top, 1))
    helpers = whole(values, "helpers_needed", errors, minimum=1, maximum=MAX_HELPERS)
    whole(values, "hours", errors, minimum=1, maximum=MAX_HOURS)
    if floor is not None and helpers is not None and start < floor + helpers:
        errors["floor_fen"] = _("底价须比起始价至少低 %(n)s 分（每位好友至少砍 1 分）") % {"n": helpers}
    activity_window(values, errors)
    errors.raise_any()
    assert listing is not None
    return listing, start


def bargain_activity_create(*, actor: User, merchant: Merchant, fields: BargainFields,
                            accept_loss: bool = False, activate: bool = True) -> BargainActivity:
    """Create a bargain activity on one of the merchant's listings. A floor below the SKU's cost
    needs `accept_loss` (`campaign_below_cost`), as every campaign's price does."""
    require_merchant_owner(actor, merchant.pk, what="merchant")
    listing, start = _clean(fields, merchant=merchant, actor=actor)
    check_activity_cost(listing, lowest_fen=fields.floor_fen, funder=fields.funder, accept_loss=accept_loss,
                        what="bargain floor")
    return BargainActivity.objects.create(
        merchant=merchant, listing=listing, name=fields.name.strip(), start_fen=start, floor_fen=fields.floor_fen,
        helpers_needed=fields.helpers_needed, hours=fields.hours, starts_at=fields.starts_at,
        ends_at=fields.ends_at, funder=fields.funder, rewards=fields.rewards, accept_loss=accept_loss,
        status=CampaignStatus.ACTIVE if activate else CampaignStatus.DRAFT,
    )


def bargain_activity_set_status(*, actor: User, activity_id: int, status: str) -> BargainActivity:
    """Activate, pause or end an activity. Bargains already started keep their price; while the
    activity is not running nobody starts, helps or buys."""
    with transaction.atomic():
        try:
            activity = lock_one(BargainActivity.objects.all(), activity_id)
        except BargainActivity.DoesNotExist:
            raise NotFound("No such bargain activity.") from None
        require_changeable(actor, activity, what="bargain activity")
        if check_move(current=activity.status, wanted=status):
            BargainActivity.objects.filter(pk=activity.pk).update(status=status)
            activity.status = status
    return activity


def _running(activity: BargainActivity, now: datetime) -> None:
    if activity.status != CampaignStatus.ACTIVE or not activity.starts_at <= now < activity.ends_at:
        raise Conflict("The bargain activity is not running.", code="bargain_closed",
                       detail={"activity_id": activity.pk, "status": activity.status})


def bargain_start(*, buyer: User, activity_id: int) -> Bargain:
    """Start the buyer's bargain, or return the one they have open (idempotent while it is open).
    An open bargain whose time is up is marked expired first and a new one starts. Its expiry is
    booked as a delayed task at `expires_at`, in the same transaction."""
    from linkmall.campaigns.tasks_bargain import bargain_expire_task

    require_role(buyer, Role.CONSUMER)
    activity = (BargainActivity.objects.filter(pk=activity_id).first()
                if isinstance(activity_id, int) and not isinstance(activity_id, bool) else None)
    if activity is None:
        raise NotFound("No such bargain activity.")
    now = clock.now()
    _running(activity, now)
    _lapsed(now).filter(activity=activity, buyer=buyer).update(status=BargainStatus.EXPIRED)
    existing = Bargain.objects.filter(activity=activity, buyer=buyer, status=BargainStatus.OPEN).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            bargain = Bargain.objects.create(
                activity=activity, buyer=buyer, start_fen=activity.start_fen, floor_fen=activity.floor_fen,
                cuts=draw_cuts(activity.start_fen - activity.floor_fen, activity.helpers_needed),
                price_fen=activity.start_fen, expires_at=min(now + timedelta(hours=activity.hours), activity.ends_at),
            )
            enqueue_after(bargain_expire_task, bargain.expires_at, bargain.pk)
            return bargain
    except IntegrityError:
        # a concurrent start of the same buyer committed first
        return Bargain.objects.get(activity=activity, buyer=buyer, status=BargainStatus.OPEN)


def _lapsed(now: datetime) -> QuerySet[Bargain]:
    """Open bargains whose time is up. An open bargain never has an order (`bargain_bought` moves it
    to bought with one, `bargain_order_released` clears the order when it reopens); the condition
    says so anyway, so an expiry can never take a bargain away from an order."""
    return Bargain.objects.filter(status=BargainStatus.OPEN, order_id__isnull=True, expires_at__lte=now)


def bargain_expire(*, bargain_id: int) -> bool:
    """The expiry task of one bargain: expired when it is still open and its time is up. One guarded
    UPDATE, so a repeat changes nothing, and a bargain bought meanwhile stays bought (its order,
    unpaid or paid, is the record; if that order lapses after `expires_at`,
    `bargain_order_released` expires it instead of reopening it). Returns whether it expired it."""
    return _lapsed(clock.now()).filter(pk=bargain_id).update(status=BargainStatus.EXPIRED) == 1


def bargains_expire(*, now: datetime | None = None) -> int:
    """Every open bargain whose time is up becomes expired (`linkmall bargain expire`); how many."""
    return _lapsed(now or clock.now()).update(status=BargainStatus.EXPIRED)


def _lock(bargain_id: int) -> Bargain:
    if isinstance(bargain_id, bool) or not isinstance(bargain_id, int):
        raise NotFound("No such bargain.")
    try:
        return lock_one(Bargain.objects.select_related("activity"), bargain_id)
    except Bargain.DoesNotExist:
        raise NotFound("No such bargain.") from None


def _expired(bargain: Bargain) -> Conflict:
    return Conflict("The bargain has expired.", code="bargain_expired", detail={"bargain_id": bargain.pk})


def bargain_help(*, helper: User, bargain_id: int) -> BargainHelp:
    """A friend's cut: the next drawn cut comes off the price, under the bargain's row lock.
    Refusals (nothing changes): `bargain_self_help`, `bargain_already_helped`, `bargain_expired`,
    `bargain_complete` (every cut made, or already bought), `bargain_closed`."""
    require_role(helper, Role.CONSUMER)
    with transaction.atomic():
        bargain = _lock(bargain_id)
        if bargain.buyer_id == helper.pk:
            raise Conflict("You cannot help your own bargain.", code="bargain_self_help")
        if BargainHelp.objects.filter(bargain=bargain, helper=helper).exists():
            raise Conflict("You have helped this bargain already.", code="bargain_already_helped")
        now = clock.now()
        if bargain.status == BargainStatus.EXPIRED or (bargain.status == BargainStatus.OPEN
                                                      and bargain.expires_at <= now):
            raise _expired(bargain)
        if bargain.status != BargainStatus.OPEN or bargain.cuts_made >= len(bargain.cuts):
            raise Conflict("The bargain needs no more help.", code="bargain_complete",
                           detail={"bargain_id": bargain.pk})
        _running(bargain.activity, now)
        cut = int(bargain.cuts[bargain.cuts_made])
        seq = bargain.cuts_made + 1
        help_ = BargainHelp.objects.create(bargain=bargain, helper=helper, seq=seq, cut_fen=cut)
        Bargain.objects.filter(pk=bargain.pk).update(cuts_made=seq, price_fen=F("price_fen") - cut)
    return help_


def bargain_take(*, buyer: User, bargain_id: int) -> ActivityLine:
    """Under the bargain's lock, check that the buyer may buy now and return the line's activity at
    the current price (inside the transaction that places the order; then `bargain_bought`)."""
    bargain = _lock(bargain_id)
    if bargain.buyer_id != buyer.pk:
        raise NotFound("No such bargain.")
    if bargain.status == BargainStatus.BOUGHT:
        raise Conflict("The bargain was bought already.", code="bargain_complete", detail={"bargain_id": bargain.pk})
    if bargain.status == BargainStatus.EXPIRED or bargain.expires_at <= clock.now():
        raise _expired(bargain)
    activity = bargain.activity
    _running(activity, clock.now())
    return ActivityLine(kind="bargain", listing_id=activity.listing_id, unit_fen=bargain.price_fen,
                        funder="platform" if activity.funder == Funder.PLATFORM else "merchant",
                        own_stock=False, rewards=activity.rewards)


def bargain_bought(*, bargain_id: int, order_id: int) -> None:
    """The order placed with `bargain_take`'s line (same transaction, bargain locked)."""
    Bargain.objects.filter(pk=bargain_id, status=BargainStatus.OPEN).update(
        status=BargainStatus.BOUGHT, order_id=order_id)


def bargain_order_released(*, order_id: int) -> dict[int, int]:
    """An unpaid bargain order was cancelled or expired: the bargain reopens at its price while it
    has time left (and the buyer has no other open one), else it expires. The units go back to the
    SKU through the normal path (a bargain holds no stock of its own), so it returns {}."""
    bargain = Bargain.objects.filter(order_id=order_id, status=BargainStatus.BOUGHT).first()
    if bargain is None:
        return {}
    bargain = _lock(bargain.pk)
    other_open = Bargain.objects.filter(activity_id=bargain.activity_id, buyer_id=bargain.buyer_id,
                                        status=BargainStatus.OPEN).exists()
    status = (BargainStatus.OPEN if bargain.expires_at > clock.now() and not other_open
              else BargainStatus.EXPIRED)
    Bargain.objects.filter(pk=bargain.pk, status=BargainStatus.BOUGHT, order_id=order_id).update(
        status=status, order_id=None)
    return {}
