"""Flash sales (秒杀) on the database: create, pause, end, and the units of a sale.

Every count is one guarded UPDATE of the sale row (`held`, `sold`, `returned`; the database's
CHECK keeps sold + held + returned ≤ stock). An attempt (`flash_take`) holds units and counts them
against the buyer's limit; `orders.flash` places the order in the same transaction and records the
entry (`flash_entry_record`). A paid order moves its units to sold (`flash_order_paid`); a
cancelled or expired one gives them back to the sale, or to the SKU once the sale has ended
(`flash_order_released`). Ending returns what is left to the SKU (`flash_end`), once.

With settings.REDIS_URL, admission is decided in Redis (`flash_redis`: one script per attempt) and
the writer of the orders (`orders.flash_worker`) calls `flash_take(admitted=True)`, which then never
refuses; its guarded UPDATEs stay the safety net. Status moves are copied to Redis, released units go
back there too, and a sale ends in the database only once its Redis stream is drained.
"""

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from linkmall.accounts.models import User
from linkmall.campaigns.activities import ActivityLine
from linkmall.campaigns.models import CampaignStatus, FlashBuyer, FlashEntry, FlashEntryStatus, FlashSale, Funder
from linkmall.campaigns.services import flash_redis
from linkmall.campaigns.services._common import (
    MAX_QUANTITY,
    Errors,
    activity_listing,
    activity_name_and_funder,
    check_activity_cost,
    check_move,
    moment,
    own_stock_end,
    require_changeable,
    require_merchant_owner,
    whole,
)
from linkmall.catalog.services import sku_stock_release, sku_stock_reserve
from linkmall.catalog.services.validation import MAX_PRICE_FEN
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.core.locking import lock_one
from linkmall.core.tasks import enqueue_after
from linkmall.stores.models import Listing, Merchant

MAX_PER_USER = 100
MAX_PAYMENT_MINUTES = 60
#: a slot lasts at most this long
MAX_SLOT = timedelta(days=7)
#: on the Redis path, the end task waits this long for the last admitted orders, then looks again
DRAIN_RETRY = timedelta(seconds=2)

logger = logging.getLogger(__name__)
#: a slot may start this long before its creation (a merchant starting a sale "now" from a form
#: whose times have minutes only); it is then on sale at once
START_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class FlashSaleFields:
    listing_id: int
    name: str
    starts_at: datetime
    ends_at: datetime
    price_fen: int
    stock: int
    per_user_limit: int = 1
    payment_minutes: int = 5
    funder: str = Funder.MERCHANT
    rewards: bool = False


def _clean(fields: FlashSaleFields, *, merchant: Merchant, actor: User) -> Listing:
    errors = Errors()
    values: Mapping[str, Any] = fields.__dict__
    activity_name_and_funder(values, errors, actor=actor)
    price = whole(values, "price_fen", errors, minimum=1, maximum=MAX_PRICE_FEN)
    whole(values, "stock", errors, minimum=1, maximum=MAX_QUANTITY)
    whole(values, "per_user_limit", errors, minimum=1, maximum=MAX_PER_USER)
    whole(values, "payment_minutes", errors, minimum=1, maximum=MAX_PAYMENT_MINUTES)
    starts = moment(values, "starts_at", errors, optional=False)
    ends = moment(values, "ends_at", errors, optional=False)
    if starts is not None and starts < clock.now() - START_GRACE:
        errors["starts_at"] = _("开始时间不能早于现在")
    if starts is not None and ends is not None and not starts < ends <= starts + MAX_SLOT:
        errors["ends_at"] = _("结束时间须晚于开始时间，且场次不超过 7 天")
    listing = activity_listing(fields.listing_id, errors, merchant=merchant)
    if listing is not None and price is not None and price >= listing.price_fen:
        errors["price_fen"] = _("秒杀价须低于售价")
    errors.raise_any()
    assert listing is not None
    return listing


def flash_sale_create(*, actor: User, merchant: Merchant, fields: FlashSaleFields,
                      accept_loss: bool = False, activate: bool = True) -> FlashSale:
    """Create a flash sale on one of the merchant's listings and take its stock from the SKU's
    supplier stock (`Conflict(out_of_stock)` when the supplier has fewer units: nothing changes).
    Its end is booked as a delayed task in the same transaction."""
    from linkmall.campaigns.tasks_flash import flash_end_task

    require_merchant_owner(actor, merchant.pk, what="merchant")
    listing = _clean(fields, merchant=merchant, actor=actor)
    check_activity_cost(listing, lowest_fen=fields.price_fen, funder=fields.funder, accept_loss=accept_loss,
                        what="flash price")
    with transaction.atomic():
        sku_stock_reserve(sku_id=listing.sku_id, quantity=fields.stock)
        sale = FlashSale.objects.create(
            merchant=merchant, listing=listing, name=fields.name.strip(), starts_at=fields.starts_at,
            ends_at=fields.ends_at, price_fen=fields.price_fen, stock=fields.stock,
            per_user_limit=fields.per_user_limit, payment_minutes=fields.payment_minutes, funder=fields.funder,
            rewards=fields.rewards, status=CampaignStatus.ACTIVE if activate else CampaignStatus.DRAFT,
        )
        enqueue_after(flash_end_task, sale.ends_at, sale.pk)
    return sale


def _lock(sale_id: int) -> FlashSale:
    try:
        return lock_one(FlashSale.objects.all(), sale_id)
    except FlashSale.DoesNotExist:
        raise NotFound("No such flash sale.") from None


def flash_sale_set_status(*, actor: User, sale_id: int, status: str) -> FlashSale:
    """Activate, pause or end a sale (ending returns its stock at once, as its end task would).
    On the Redis path the move is copied to Redis after the commit; an end first stops admissions
    there and waits for the orders still being written (`flash_draining` when they take too long:
    the sale takes no one any more, and ending again, or its end task, ends it)."""
    if status == CampaignStatus.ENDED and flash_redis.enabled():
        _drain_before_end(actor, sale_id)
    with transaction.atomic():
        sale = _lock(sale_id)
        require_changeable(actor, sale, what="flash sale")
        if not check_move(current=sale.status, wanted=status):
            return sale
        if status == CampaignStatus.ENDED:
            return _end(sale)
        FlashSale.objects.filter(pk=sale.pk).update(status=status)
        sale.status = status
        if flash_redis.enabled():
            transaction.on_commit(lambda: flash_redis.flash_redis_status(sale_id=sale_id, status=status))
    return sale


def _drain_before_end(actor: User, sale_id: int) -> None:
    """The merchant's end on the Redis path, before the sale's lock is taken (the worker writing the
    last orders needs the sale's row): checks, then no more admissions, then the wait."""
    sale = FlashSale.objects.filter(pk=sale_id).first()
    if sale is None:
        raise NotFound("No such flash sale.")
    require_changeable(actor, sale, what="flash sale")
    if not check_move(current=sale.status, wanted=CampaignStatus.ENDED):
        return
    deadline = time.monotonic() + float(getattr(settings, "FLASH_END_WAIT_SECONDS", 10))
    while not flash_redis.flash_redis_stop(sale_id=sale_id):
        if time.monotonic() >= deadline:
            raise Conflict("Orders of admitted buyers are still being written; end the sale again shortly.",
                           code="flash_draining", detail={"sale_id": sale_id,
                                                          "queued": flash_redis.queued(sale_id=sale_id)})
        time.sleep(0.05)


def _end(sale: FlashSale) -> FlashSale:
    """Under the sale's lock: `own_stock_end`, and on the Redis path no more admissions there."""
    own_stock_end(sale)
    if flash_redis.enabled():
        sale_id = sale.pk
        transaction.on_commit(lambda: flash_redis.flash_redis_stop(sale_id=sale_id))
    return sale


def flash_end(*, sale_id: int) -> bool:
    """The end task: once the slot is over, end the sale and return its unsold stock. Idempotent;
    False when it is not over yet, or was ended before. On the Redis path it first stops admissions
    there and waits for the stream to drain: while admitted orders are still being written it books
    itself again `DRAIN_RETRY` later and returns False, so the database counters are the record."""
    from linkmall.campaigns.tasks_flash import flash_end_task

    with transaction.atomic():
        sale = FlashSale.objects.select_for_update().select_related("listing").filter(pk=sale_id).first()
        if sale is None or sale.status == CampaignStatus.ENDED or sale.ends_at > clock.now():
            return False
        if flash_redis.enabled() and not flash_redis.flash_redis_stop(sale_id=sale_id):
            logger.warning("flash sale %s: admitted orders are still being written; its end waits", sale_id)
            enqueue_after(flash_end_task, clock.now() + DRAIN_RETRY, sale_id)
            return False
        _end(sale)
    return True


def _refusal(sale_id: int, now: datetime) -> Exception:
    sale = FlashSale.objects.filter(pk=sale_id).first()
    if sale is None:
        return NotFound("No such flash sale.")
    detail = {"sale_id": sale.pk, "starts_at": sale.starts_at.isoformat()}
    if sale.status == CampaignStatus.ENDED or sale.ends_at <= now:
        return Conflict("The flash sale is over.", code="flash_ended", detail=detail)
    if sale.status == CampaignStatus.PAUSED:
        return Conflict("The flash sale is paused.", code="flash_paused", detail=detail)
    if sale.status == CampaignStatus.DRAFT or sale.starts_at > now:
        return Conflict("The flash sale has not started.", code="flash_not_started", detail=detail)
    return Conflict("The flash sale is sold out.", code="flash_sold_out", detail={"sale_id": sale.pk})


def flash_take(*, buyer: User, sale_id: int, quantity: int, admitted: bool = False) -> ActivityLine:
    """Hold `quantity` units of a running sale for `buyer`, within their limit, and return the line's
    activity for checkout. Two guarded UPDATEs (the sale's units, then the buyer's count) and an
    insert of the buyer's row the first time; a refusal raises its code (`flash_not_started`,
    `flash_ended`, `flash_paused`, `flash_sold_out`, `flash_limit_reached`) and the caller's
    transaction rolls back whatever was taken. Call it inside the transaction that places the order.

    `admitted`: Redis admitted this attempt while the sale was on (the worker writing its order, maybe
    after a pause or the slot's end): the slot and status are not checked again, the units and the
    limit still are, as the safety net."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_PER_USER:
        raise InvalidInput("Quantity must be a positive whole number.", detail={"field": "quantity"})
    now = clock.now()
    rows = FlashSale.objects.filter(pk=sale_id, stock__gte=F("held") + F("sold") + F("returned") + quantity)
    if not admitted:
        rows = rows.filter(status=CampaignStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now)
    taken = rows.update(held=F("held") + quantity)
    if taken != 1:
        if admitted and FlashSale.objects.filter(pk=sale_id).exists():
            raise Conflict("The flash sale is sold out.", code="flash_sold_out", detail={"sale_id": sale_id})
        raise _refusal(sale_id, now)
    sale = FlashSale.objects.select_related("listing").get(pk=sale_id)
    FlashBuyer.objects.bulk_create([FlashBuyer(sale=sale, user=buyer)], ignore_conflicts=True)
    counted = (FlashBuyer.objects.filter(sale=sale, user=buyer, taken__lte=sale.per_user_limit - quantity)
               .update(taken=F("taken") + quantity))
    if counted != 1:
        raise Conflict("You have reached the limit of this flash sale.", code="flash_limit_reached",
                       detail={"sale_id": sale.pk, "per_user_limit": sale.per_user_limit})
    return ActivityLine(kind="flash", listing_id=sale.listing_id, unit_fen=sale.price_fen,
                        funder="platform" if sale.funder == Funder.PLATFORM else "merchant",
                        own_stock=True, payment_minutes=sale.payment_minutes, rewards=sale.rewards)


def flash_entry_record(*, buyer: User, sale_id: int, quantity: int, order_id: int) -> FlashEntry:
    """The order that `flash_take`'s units went into (same transaction)."""
    return FlashEntry.objects.create(sale_id=sale_id, buyer=buyer, quantity=quantity, order_id=order_id)


def flash_order_paid(*, order_id: int) -> bool:
    """The order was paid: its held units become sold. One UPDATE for an order without a flash sale."""
    if FlashEntry.objects.filter(order_id=order_id, status=FlashEntryStatus.HELD).update(
            status=FlashEntryStatus.SOLD) != 1:
        return False
    entry = FlashEntry.objects.get(order_id=order_id)
    FlashSale.objects.filter(pk=entry.sale_id, held__gte=entry.quantity).update(
        held=F("held") - entry.quantity, sold=F("sold") + entry.quantity)
    return True


def flash_order_released(*, order_id: int) -> dict[int, int]:
    """An unpaid order was cancelled or expired: its held units go back on sale (and the buyer may
    try again), or to the SKU when the sale has ended. Returns {sku_id: units} that the activity
    held, which the caller must not release to the SKU again. One query for other orders."""
    entry = FlashEntry.objects.filter(order_id=order_id, status=FlashEntryStatus.HELD).first()
    if entry is None:
        return {}
    sale = _lock(entry.sale_id)
    if FlashEntry.objects.filter(pk=entry.pk, status=FlashEntryStatus.HELD).update(
            status=FlashEntryStatus.RELEASED) != 1:
        return {}
    q = entry.quantity
    if sale.status == CampaignStatus.ENDED:
        FlashSale.objects.filter(pk=sale.pk).update(held=F("held") - q, returned=F("returned") + q)
        sku_stock_release(sku_id=sale.listing.sku_id, quantity=q)
    else:
        FlashSale.objects.filter(pk=sale.pk).update(held=F("held") - q)
    FlashBuyer.objects.filter(sale=sale, user_id=entry.buyer_id, taken__gte=q).update(taken=F("taken") - q)
    if flash_redis.enabled() and sale.status != CampaignStatus.ENDED:
        sale_id, buyer_id = sale.pk, entry.buyer_id
        transaction.on_commit(lambda: flash_redis.flash_redis_release(sale_id=sale_id, user_id=buyer_id, quantity=q))
    return {sale.listing.sku_id: q}
