"""核销 (redemption in a store) of pick-up codes, the store's receipt of a pick-up parcel, and the
refund of pick-ups nobody collects. See docs/o2o.md.

Why here: a redemption is refused while the order has an open after-sales request, and orders
(below aftersales) may not read after-sales requests; aftersales may read orders, campaigns and
stores, and it already owns the guarantee that refunds what nobody collects. The page
(`orders:redeem`, /staff/redeem/) and the API (/api/v1/redeem) call these services.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.aftersales.models import AfterSaleRequest
from linkmall.aftersales.services._common import guarantee_actor
from linkmall.campaigns.models import Coupon, CouponTemplate, Funder, Kind
from linkmall.campaigns.selectors.group import group_order_complete
from linkmall.core import clock
from linkmall.core.conf import linkmall_int
from linkmall.core.errors import Conflict, DomainError, InvalidInput, NotFound, RateLimited
from linkmall.core.money import percent_of
from linkmall.core.tasks import enqueue_after
from linkmall.ledger.models import Bucket, OwnerKind
from linkmall.ledger.services import Line, accounts_get_or_create, posting_write
from linkmall.orders.models import FulfilmentMode, Order, Redemption
from linkmall.orders.services._common import lock_order
from linkmall.orders.services.pickup import (
    OPEN_STATUSES,
    PICKUP_CODE_DIGITS,
    PICKUP_REFUND_DAYS_DEFAULT,
    order_pickup_arrived,
    order_pickup_complete,
)
from linkmall.referral.settlement import order_pickup_guide
from linkmall.stores.models import Guide, Store

Outcome = Redemption.Outcome

#: failures (a guessed code, another store's code, a used code) allowed in the window, per staff
#: member and per store, and per store per day; past them the staff member or the store is locked
#: until the window has moved on
REDEEM_WINDOW_MINUTES_DEFAULT = 10
REDEEM_FAILURES_PER_STAFF_DEFAULT = 10
REDEEM_FAILURES_PER_STORE_DEFAULT = 30
REDEEM_FAILURES_PER_STORE_DAY_DEFAULT = 100

#: the largest in-store purchase a redemption records, in fen
MAX_PURCHASE_FEN = 10**12

_CODE_RE = re.compile(rf"^\d{{{PICKUP_CODE_DIGITS}}}$")


@dataclass(frozen=True)
class RedeemResult:
    redemption: Redemption
    #: True when the code had been redeemed before: the first result, nothing changed
    already: bool = False


def redeem_store(*, actor: User, store_id: int | None) -> Store:
    """The store a redeemer acts for: a guide's own store; a merchant owner names one of theirs."""
    require_role(actor, Role.GUIDE, Role.MERCHANT_OWNER)
    if actor.role == Role.GUIDE:
        guide = Guide.objects.select_related("store").filter(user=actor, is_active=True).first()
        if guide is None:
            raise NotFound("No such store.")
        return guide.store
    store = Store.objects.filter(pk=store_id or 0, merchant_id=actor.tenant_id).first() if store_id else None
    if store is None:
        store = Store.objects.filter(merchant_id=actor.tenant_id, is_active=True).order_by("pk").first()
    if store is None:
        raise NotFound("No such store.")
    return store


def normalize_code(code: object) -> str:
    """What a scanner or a keyboard gave, spaces, dashes and control characters dropped (a NUL
    could not even be stored in the audit on PostgreSQL); checked for 8 digits by the caller."""
    return re.sub(r"[\s\x00-\x1f\x7f-]", "", code)[:32] if isinstance(code, str) else ""


def _failures_since(*, since: datetime, **where: object) -> int:
    return Redemption.objects.filter(outcome__in=Redemption.FAILURES, at__gte=since, **where).count()


def _check_lock(actor: User, store: Store) -> None:
    now = clock.now()
    window = now - timedelta(minutes=linkmall_int("REDEEM_WINDOW_MINUTES", REDEEM_WINDOW_MINUTES_DEFAULT))
    limits = (
        ({"actor": actor}, window, linkmall_int("REDEEM_FAILURES_PER_STAFF", REDEEM_FAILURES_PER_STAFF_DEFAULT),
         "staff"),
        ({"store": store}, window, linkmall_int("REDEEM_FAILURES_PER_STORE", REDEEM_FAILURES_PER_STORE_DEFAULT),
         "store"),
        ({"store": store}, now - timedelta(days=1),
         linkmall_int("REDEEM_FAILURES_PER_STORE_DAY", REDEEM_FAILURES_PER_STORE_DAY_DEFAULT), "store_day"),
    )
    for where, since, limit, scope in limits:
        if _failures_since(since=since, **where) >= limit:
            raise RateLimited("Too many failed attempts; try again later.", code="redeem_locked",
                              detail={"scope": scope, "limit": limit})


def _audit(*, actor: User, store: Store, code: str, outcome: str, order: Order | None = None,
           coupon: Coupon | None = None, purchase_fen: int | None = None, at: datetime | None = None) -> Redemption:
    kind = Redemption.Kind.PICKUP if order is not None else Redemption.Kind.COUPON if coupon is not None else ""
    return Redemption.objects.create(
        actor=actor, store=store, merchant_id=store.merchant_id, code=code[:16], outcome=outcome, kind=kind,
        order=order, coupon=coupon, purchase_fen=purchase_fen, at=at or clock.now(),
    )


def redeem_code(*, actor: User, code: object, store_id: int | None = None,
                purchase_fen: object = None) -> RedeemResult:
    """Redeem a code in the actor's store: a guide of that store, or its merchant's owner. The code
    is an open pick-up order's, else an in-store coupon's (到店核销券, `_redeem_coupon`), which
    needs `purchase_fen`, the amount of the in-store purchase it is used on.

    Every attempt is audited (a `Redemption` row, refused ones too) and refused ones change
    nothing else. Refusals: `redeem_locked` (429: too many failures of this staff member or store),
    `redeem_not_found`, `redeem_wrong_store`, `redeem_already` (409, with the first redemption in
    its detail; a retry of the same code therefore shows the first result), `redeem_not_ready`
    (the parcel is not in the store yet), `redeem_aftersale_open`, `redeem_group_incomplete`; for a
    coupon also `invalid_input` (no or a negative `purchase_fen`), `redeem_below_threshold`,
    `coupon_not_started`, and `redeem_already` for an expired one.
    """
    store = redeem_store(actor=actor, store_id=store_id)
    text = normalize_code(code)
    try:
        _check_lock(actor, store)
    except DomainError:
        _audit(actor=actor, store=store, code=text, outcome=Outcome.LOCKED)
        raise
    order: Order | None = None
    coupon: Coupon | None = None
    try:
        if not _CODE_RE.match(text):
            raise NotFound("No such code.", code="redeem_not_found")
        # a pick-up code and an in-store coupon's code are unique each among their own kind, so the
        # same digits may name one of each: this store's order, then this merchant's coupon, first
        orders = Order.objects.select_related("pickup_store").filter(
            pickup_code=text, status__in=OPEN_STATUSES, fulfilment_mode=FulfilmentMode.PICKUP)
        coupons = Coupon.objects.filter(code=text, status=Coupon.Status.AVAILABLE, template__in_store=True)
        order = orders.filter(pickup_store=store).first()
        if order is None:
            coupon = (coupons.filter(template__merchant_id=store.merchant_id).first()
                      or (None if orders.exists() else coupons.first()))
            if coupon is not None:
                return _redeem_coupon(actor=actor, store=store, code=text, coupon=coupon, purchase_fen=purchase_fen)
            order = orders.first()
            if order is None:
                return _already(actor=actor, store=store, code=text)
        with transaction.atomic():
            locked = lock_order(order.pk)
            # the store is the actor's own (redeem_store): a guide's, or one of the owner's
            if locked.pickup_store_id != store.pk:
                raise Conflict("This code belongs to another store.", code="redeem_wrong_store")
            if locked.store_received_at is None or locked.status != Order.Status.SHIPPED:
                raise Conflict("The parcel has not reached the store yet.", code="redeem_not_ready",
                               detail={"status": locked.status})
            if AfterSaleRequest.objects.filter(order=locked, status__in=AfterSaleRequest.OPEN_STATUSES).exists():
                raise Conflict("The order has an open after-sales request.", code="redeem_aftersale_open")
            if group_order_complete(order_id=locked.pk) is False:
                raise Conflict("The order's group is not complete.", code="redeem_group_incomplete")
            order_pickup_complete(order_id=locked.pk)
            if actor.role == Role.GUIDE:
                # the guide who hands the parcel over earns the commission when no one else does
                guide_id = Guide.objects.filter(user=actor, store=store).values_list("pk", flat=True).first()
                if guide_id is not None:
                    order_pickup_guide(order_id=locked.pk, guide_id=guide_id)
            redemption = _audit(actor=actor, store=store, code=text, outcome=Outcome.REDEEMED, order=locked)
        return RedeemResult(redemption=redemption)
    except DomainError as exc:
        if exc.code != Outcome.ALREADY:
            outcome = exc.code if exc.code in Outcome.values else Outcome.INVALID
            _audit(actor=actor, store=store, code=text, outcome=outcome, order=order, coupon=coupon,
                   purchase_fen=_purchase(purchase_fen) if coupon is not None else None)
        raise


def _already(*, actor: User, store: Store, code: str) -> RedeemResult:
    """A code no open order and no available coupon holds: redeemed before (here: the first result;
    elsewhere: another store's), an expired in-store coupon's, or unknown."""
    first = (Redemption.objects.select_related("order", "actor", "coupon")
             .filter(code=code, outcome=Outcome.REDEEMED).order_by("-at", "-pk").first())
    if first is None:
        return _expired_coupon(actor=actor, store=store, code=code)
    if first.coupon is not None:
        # a coupon is the merchant's, not one store's: any store of the merchant sees the first result
        if first.coupon.merchant_id != store.merchant_id:
            raise Conflict("This code belongs to another store.", code="redeem_wrong_store")
    elif first.store_id != store.pk:
        raise Conflict("This code belongs to another store.", code="redeem_wrong_store")
    _audit(actor=actor, store=store, code=code, outcome=Outcome.ALREADY, order=first.order, coupon=first.coupon)
    raise Conflict("This code was redeemed already.", code="redeem_already", detail={
        "redemption_id": first.pk, "at": first.at.isoformat(), "order_number": first.order.number if first.order else "",
        "coupon_id": first.coupon_id, "by": str(first.actor)})


def _expired_coupon(*, actor: User, store: Store, code: str) -> RedeemResult:
    """An in-store coupon's code that expired unused: `redeem_already` (it can no longer be
    redeemed), or `redeem_wrong_store` at another merchant's store; else the code is unknown."""
    coupon = (Coupon.objects.filter(code=code, status=Coupon.Status.EXPIRED, template__in_store=True)
              .order_by("-valid_until", "-pk").first())
    if coupon is None:
        raise NotFound("No such code.", code="redeem_not_found")
    if coupon.merchant_id != store.merchant_id:
        raise Conflict("This code belongs to another store.", code="redeem_wrong_store")
    _audit(actor=actor, store=store, code=code, outcome=Outcome.ALREADY, coupon=coupon)
    raise Conflict("This coupon has expired.", code="redeem_already",
                   detail={"coupon_id": coupon.pk, "expired": True, "valid_until": coupon.valid_until.isoformat()})


def _purchase(value: object) -> int | None:
    """An in-store purchase amount in fen (0 or more), or None when it is missing or not one."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PURCHASE_FEN:
        return None
    return value


def in_store_discount(template: CouponTemplate, purchase_fen: int) -> int:
    """What an in-store coupon takes off a purchase of `purchase_fen`: its amount, or its percent cut
    to its maximum; never more than the purchase."""
    if template.kind == Kind.AMOUNT:
        off = int(template.value)
    else:
        off = percent_of(purchase_fen, template.value)
        if template.max_discount_fen is not None:
            off = min(off, template.max_discount_fen)
    return max(0, min(off, purchase_fen))


def _book_in_store_discount(*, redemption: Redemption, template: CouponTemplate, merchant_id: int,
                            discount_fen: int) -> None:
    """The discount given at the counter is its funder's marketing cost (campaigns.md §2): the
    funder's marketing account is debited and the discounts account credited, as for an online
    coupon. Platform-funded, the platform also owes the merchant the discount (available at once:
    the purchase is over). One posting, keyed by the redemption (which exists once per coupon)."""
    if not discount_fen:
        return
    platform = template.funder == Funder.PLATFORM
    funder = (OwnerKind.PLATFORM, 0) if platform else (OwnerKind.MERCHANT, merchant_id)
    keys = [(*funder, Bucket.MARKETING), (OwnerKind.DISCOUNTS, 0, Bucket.MARKETING)]
    if platform:
        keys += [(OwnerKind.PLATFORM, 0, Bucket.AVAILABLE), (OwnerKind.MERCHANT, merchant_id, Bucket.AVAILABLE)]
    accounts = accounts_get_or_create(keys=keys)
    lines = [Line(accounts[keys[0]], -discount_fen, True), Line(accounts[keys[1]], discount_fen)]
    if platform:
        lines += [Line(accounts[keys[2]], -discount_fen, True), Line(accounts[keys[3]], discount_fen)]
    posting_write(key=f"redemption:{redemption.pk}:discount", kind="in_store_discount", lines=lines,
                  memo=f"到店核销券 {template.name}"[:200], reference=f"redemption:{redemption.pk}")


def _redeem_coupon(*, actor: User, store: Store, code: str, coupon: Coupon, purchase_fen: object) -> RedeemResult:
    """Redeem an in-store coupon (到店核销券) at a store of its merchant on an in-store purchase of
    `purchase_fen`: under the coupon's row lock, available and within its validity, the purchase
    reaching the template's threshold. The coupon becomes used and the `Redemption` row keeps the
    store, the staff member, the coupon and the purchase. The discount is given at the counter and
    booked in the ledger as its funder's marketing cost (`_book_in_store_discount`, docs/o2o.md)."""
    if coupon.merchant_id != store.merchant_id:
        raise Conflict("This code belongs to another store.", code="redeem_wrong_store")
    amount = _purchase(purchase_fen)
    if amount is None:
        raise InvalidInput("An in-store coupon needs the purchase amount in fen, 0 or more.",
                           detail={"field": "purchase_fen"})
    with transaction.atomic():
        locked = Coupon.objects.select_for_update().select_related("template").get(pk=coupon.pk)
        now = clock.now()
        # it left `available` between the look-up and the lock: the answer a retry gets
        gone = locked.status != Coupon.Status.AVAILABLE or locked.code != code
        expired = not gone and now >= locked.valid_until
        if not gone and not expired:
            if now < locked.valid_from:
                raise Conflict("The coupon cannot be used yet.", code="coupon_not_started",
                               detail={"coupon_id": locked.pk, "valid_from": locked.valid_from.isoformat()})
            if amount < locked.template.threshold_fen:
                raise Conflict("The purchase does not reach the coupon's threshold.", code="redeem_below_threshold",
                               detail={"coupon_id": locked.pk, "threshold_fen": locked.template.threshold_fen})
            Coupon.objects.filter(pk=locked.pk).update(status=Coupon.Status.USED, used_at=now)
            redemption = _audit(actor=actor, store=store, code=code, outcome=Outcome.REDEEMED, coupon=locked,
                                purchase_fen=amount, at=now)
            _book_in_store_discount(redemption=redemption, template=locked.template, merchant_id=store.merchant_id,
                                    discount_fen=in_store_discount(locked.template, amount))
            return RedeemResult(redemption=redemption)
    if expired:
        _audit(actor=actor, store=store, code=code, outcome=Outcome.ALREADY, coupon=locked, purchase_fen=amount)
        raise Conflict("This coupon has expired.", code="redeem_already",
                       detail={"coupon_id": locked.pk, "expired": True, "valid_until": locked.valid_until.isoformat()})
    return _already(actor=actor, store=store, code=code)


def pickup_parcel_received(*, actor: User, order_id: int) -> Order:
    """The store received a pick-up order's parcel (a guide of that store, or the owner): the buyer
    sees 待自提 with the code, is reminded after PICKUP_REMIND_DAYS, and after PICKUP_REFUND_DAYS an
    order nobody collected is refunded under the guarantee (`pickup_expire`)."""
    from linkmall.aftersales.tasks import pickup_expire_task

    with transaction.atomic():
        order, changed = order_pickup_arrived(actor=actor, order_id=order_id)
        if changed:
            assert order.store_received_at is not None
            days = linkmall_int("PICKUP_REFUND_DAYS", PICKUP_REFUND_DAYS_DEFAULT)
            enqueue_after(pickup_expire_task, order.store_received_at + timedelta(days=days), order.pk)
    return order


def pickup_expire(*, order_id: int) -> bool:
    """Refund in full a pick-up order still waiting in the store PICKUP_REFUND_DAYS after it arrived,
    as the platform guarantee (售后兜底). True when this call refunded; a repeat or a collected
    order does nothing (the refund's key is the order's)."""
    from linkmall.payments.services import refund_create

    days = linkmall_int("PICKUP_REFUND_DAYS", PICKUP_REFUND_DAYS_DEFAULT)
    order = Order.objects.filter(
        pk=order_id, fulfilment_mode=FulfilmentMode.PICKUP, status=Order.Status.SHIPPED,
        picked_up_at__isnull=True, store_received_at__lte=clock.now() - timedelta(days=days),
    ).first()
    if order is None:
        return False
    try:
        refund_create(actor=guarantee_actor(), order=order, lines=None, reason="到店自提超时未取: 平台兜底退款",
                      idempotency_key=f"pickup-expired-{order.pk}")
    except Conflict:
        return False
    return True
