"""Coupons: claiming and issuing them into wallets, expiring them, and using and releasing them at checkout.

Spec docs/specs/campaigns.md §5. A claim takes one from the template's total with one guarded
`UPDATE … SET issued = issued + 1 WHERE issued < total`, so a burst never issues more than the total.
The per-user limit holds through the unique (template, user, slot): the n-th coupon of a template
for a buyer takes slot n ≤ limit, and two claims racing for the same slot cannot both insert it (the
loser looks again and finds the limit reached). Issuing is idempotent by `key`, unique per template.
Every refusal is a 4xx with a stable code and changes nothing.

An in-store coupon (到店核销券, `CouponTemplate.in_store`) is issued the same ways and gets a
redemption `code` (`in_store_code`); a code taken by another available coupon breaks the partial
unique constraint and the issue's retry draws again. It is never used at online checkout
(`coupon_in_store_only`): a store redeems it (aftersales.services.redemption, docs/o2o.md).

The claim centre offers a template when its sources include `claim`, or `new_customer` (新人专享):
a claim of a new-customer-only template takes the `new_customer` source and is refused
(`coupon_new_customers_only`) to a buyer who has bought at the merchant already (`is_new_customer`).
"""

import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.geofence import geofence_check
from linkmall.campaigns.models import CampaignStatus, Coupon, CouponSource, CouponTemplate
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.customers.models import Purchase

MAX_KEY = 100
#: an in-store coupon's redemption code: as many digits as a pick-up code (docs/o2o.md)
IN_STORE_CODE_DIGITS = 8
#: rounds of a claim: each lost one means another claim of the same buyer took the slot
MAX_ATTEMPTS = 110  # more than the largest per-user limit


def is_new_customer(*, user: User, merchant_id: int) -> bool:
    """No paid order (nor imported purchase) of the user at the merchant."""
    return not Purchase.objects.filter(merchant_id=merchant_id, user=user).exists()


def claim_source(template: CouponTemplate) -> str:
    """The source a claim of the template in the claim centre takes: `claim` when the template is
    offered there to anyone, else `new_customer` (a new-customer-only template)."""
    return CouponSource.CLAIM if CouponSource.CLAIM in template.sources else CouponSource.NEW_CUSTOMER


def coupon_claim(*, user: User, template_id: int, source: str | None = None, key: str | None = None,
                 point: tuple[float, float] | None = None) -> Coupon:
    """A consumer takes a coupon of the template (the claim centre, 领券); `source` defaults to the
    one the claim centre offers it with (`claim_source`). A `new_customer` claim of a buyer who has
    bought at the merchant is refused (`coupon_new_customers_only`). With a `key`, a retry returns
    the same coupon and issues nothing more. A geofenced template (地理围栏券) needs the buyer's
    GCJ-02 `point` within its radius (`geofence.geofence_check`: `geofence_location_required`,
    `geofence_outside`)."""
    require_role(user, Role.CONSUMER)
    return _issue(user=user, template_id=template_id, source=source, key=key, claimed=True, point=point)


def coupon_issue(*, template: CouponTemplate, user: User, source: str, key: str) -> Coupon:
    """Give a consumer a coupon of the template another way (a guide, a layer action, an invite
    tier, share-to-get, the new-customer gift): the same rules as a claim, idempotent by `key`.
    A geofence is not checked here: a geofenced template's only other sources are the merchant's
    own (a guide, a layer action; `services.templates`), who chose whom to give it to."""
    require_role(user, Role.CONSUMER)
    return _issue(user=user, template_id=template.pk, source=source, key=key, claimed=False)


def _issue(*, user: User, template_id: int, source: str | None, key: str | None, claimed: bool,
           point: tuple[float, float] | None = None) -> Coupon:
    if source is not None and source not in CouponSource.values:
        raise InvalidInput("Unknown coupon source.", detail={"field": "source"})
    if key is not None and not 0 < len(key) <= MAX_KEY:
        raise InvalidInput(f"A key has 1 to {MAX_KEY} characters.", detail={"field": "key"})
    attempt = 0
    while True:
        attempt += 1
        try:
            with transaction.atomic():
                return _issue_once(user=user, template_id=template_id, source=source, key=key, claimed=claimed,
                                   point=point)
        except IntegrityError:
            if attempt > MAX_ATTEMPTS:
                raise


def _issue_once(*, user: User, template_id: int, source: str | None, key: str | None, claimed: bool,
                point: tuple[float, float] | None) -> Coupon:
    if key is not None:
        existing = Coupon.objects.filter(template_id=template_id, key=key).first()
        if existing is not None:
            if existing.user_id != user.pk:
                raise Conflict("This key was used for another coupon.", code="idempotency_key_reused",
                               detail={"key": key})
            return existing
    template = CouponTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise NotFound("No such coupon.")
    now = clock.now()
    if source is None:
        source = claim_source(template)
    _check_open(template, source, now)
    taken = Coupon.objects.filter(template=template, user=user).count()
    if taken >= template.per_user_limit:
        raise Conflict("You already have as many of these coupons as one buyer may.", code="coupon_limit_reached",
                       detail={"template_id": template.pk, "per_user_limit": template.per_user_limit})
    if claimed and source == CouponSource.NEW_CUSTOMER and not is_new_customer(user=user,
                                                                               merchant_id=template.merchant_id):
        raise Conflict("This coupon is for new customers only.", code="coupon_new_customers_only",
                       detail={"template_id": template.pk})
    if claimed:
        geofence_check(template=template, point=point)
    took = (CouponTemplate.objects.filter(pk=template.pk, status=CampaignStatus.ACTIVE, issued__lt=F("total"))
            .update(issued=F("issued") + 1))
    if took != 1:
        template.refresh_from_db()
        _check_open(template, source, now)
        raise Conflict("All of these coupons have been claimed.", code="coupon_sold_out",
                       detail={"template_id": template.pk})
    valid_from, valid_until = validity_of(template, now)
    slot = taken + 1
    return Coupon.objects.create(
        template=template, user=user, merchant_id=template.merchant_id, source=source, slot=slot,
        key=key if key is not None else f"{source}:{user.pk}:{slot}", claimed_at=now,
        valid_from=valid_from, valid_until=valid_until, code=in_store_code() if template.in_store else "",
    )


def in_store_code() -> str:
    """A fresh redemption code: IN_STORE_CODE_DIGITS digits from `secrets`. Unique among available
    coupons by constraint (`coupon_code_unique_available`); a collision fails the insert and the
    issue draws again."""
    return f"{secrets.randbelow(10**IN_STORE_CODE_DIGITS):0{IN_STORE_CODE_DIGITS}d}"


def _check_open(template: CouponTemplate, source: str, now: datetime) -> None:
    """Refuse a template that cannot be given out now, with the code that says why."""
    detail = {"template_id": template.pk}
    if template.status != CampaignStatus.ACTIVE or source not in template.sources:
        raise Conflict("This coupon cannot be claimed.", code="coupon_unavailable", detail=detail)
    if template.claim_starts_at is not None and now < template.claim_starts_at:
        raise Conflict("This coupon cannot be claimed yet.", code="coupon_not_started",
                       detail={**detail, "starts_at": template.claim_starts_at.isoformat()})
    ended = template.claim_ends_at is not None and now >= template.claim_ends_at
    if ended or (template.valid_until is not None and now >= template.valid_until):
        raise Conflict("This coupon can no longer be claimed.", code="coupon_expired", detail=detail)


def validity_of(template: CouponTemplate, claimed_at: datetime) -> tuple[datetime, datetime]:
    """When a coupon claimed at `claimed_at` may be used: the template's window, or N days from the claim."""
    if template.valid_days is not None:
        return claimed_at, claimed_at + timedelta(days=template.valid_days)
    if template.valid_from is None or template.valid_until is None:  # the database refuses such a row
        raise ValueError(f"coupon template {template.pk} has no validity")
    return template.valid_from, template.valid_until


def coupons_expire(*, now: datetime | None = None) -> int:
    """Mark the unused coupons whose validity has ended as expired. Returns how many."""
    moment = now or clock.now()
    return Coupon.objects.filter(status=Coupon.Status.AVAILABLE, valid_until__lte=moment).update(
        status=Coupon.Status.EXPIRED)


# --- at checkout (the orders app calls these inside the order's transaction) ------------------------


def coupon_use(*, coupon_id: int, buyer: User) -> None:
    """Mark the buyer's coupon used, now: one guarded UPDATE from available (and within its
    validity), else refused with the code that says why (`coupon_used` when it was just taken).
    An in-store coupon is never used online (`coupon_in_store_only`)."""
    now = clock.now()
    changed = (Coupon.objects.filter(pk=coupon_id, user=buyer, status=Coupon.Status.AVAILABLE, valid_from__lte=now,
                                     valid_until__gt=now, template__in_store=False)
               .update(status=Coupon.Status.USED, used_at=now))
    if changed == 1:
        return
    coupon = Coupon.objects.select_related("template").filter(pk=coupon_id, user=buyer).first()
    if coupon is None:
        raise NotFound("No such coupon.")
    refuse_in_store(coupon)
    refuse_unusable(coupon, now)
    raise Conflict("The coupon has been used.", code="coupon_used", detail={"coupon_id": coupon_id})


def refuse_in_store(coupon: Coupon) -> None:
    """An in-store coupon (到店核销券) is redeemed in a store only, never at online checkout."""
    if coupon.template.in_store:
        raise Conflict("This coupon is used in a store only.", code="coupon_in_store_only",
                       detail={"coupon_id": coupon.pk})


def refuse_unusable(coupon: Coupon, now: datetime) -> None:
    """Raise the refusal for a coupon that cannot be used now; return when it can."""
    detail = {"coupon_id": coupon.pk}
    if coupon.status == Coupon.Status.USED:
        raise Conflict("The coupon has been used.", code="coupon_used", detail=detail)
    if coupon.status == Coupon.Status.EXPIRED or now >= coupon.valid_until:
        raise Conflict("The coupon has expired.", code="coupon_expired", detail=detail)
    if now < coupon.valid_from:
        raise Conflict("The coupon cannot be used yet.", code="coupon_not_started",
                       detail={**detail, "valid_from": coupon.valid_from.isoformat()})


def coupon_release(*, coupon_id: int) -> None:
    """An unpaid order was cancelled or expired: its coupon goes back to the wallet while it is
    still valid, else it is expired (spec §4). A coupon that is not used is left as it is, so a
    repeat changes nothing. Never call this for a paid order: its coupon never comes back."""
    now = clock.now()
    used = Coupon.objects.filter(pk=coupon_id, status=Coupon.Status.USED)
    if used.filter(valid_until__gt=now).update(status=Coupon.Status.AVAILABLE, used_at=None) == 0:
        used.update(status=Coupon.Status.EXPIRED, used_at=None)
