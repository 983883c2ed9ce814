"""Loyalty (积分 / 会员等级): a merchant's rules and levels, the points and growth a settled order
gives its buyer, what a refund takes back, and the expiry of earned points.

- **Earning.** `loyalty_order_settled` runs once per settled order (its reference is the key): the
  buyer's growth grows by what the order still has paid (Σ P of the units not refunded), and the
  buyer earns ⌊paid × points_per_yuan / 100⌋ points, a lot that expires `points_valid_days` after.
  A `LoyaltyCredit` row remembers both.
- **Refunds after settlement** (`loyalty_order_refunded`) move the order's growth down to what is
  still paid, and take back the points in proportion: the order keeps ⌊points × paid now / paid at
  settlement⌋. What the buyer no longer holds is not taken (the balance never goes below 0); it is
  recorded as `points_short`. Both are computed as targets, so a repeated call changes nothing.
- **Expiry** (`points_expire`): spending consumes the oldest lots first (FIFO over the history in
  insertion order), so what of an expired lot was not spent is written off by one `expire` entry.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from linkmall.accounts.models import User
from linkmall.campaigns.models import (
    GrowthEntry,
    LoyaltyCredit,
    LoyaltySettings,
    MemberLevel,
    Membership,
    PointsAccount,
    PointsEntry,
)
from linkmall.campaigns.services._common import Errors, require_merchant_owner, whole
from linkmall.campaigns.services.points import points_change
from linkmall.catalog.services.validation import MAX_PRICE_FEN
from linkmall.core import clock
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.core.locking import lock_one
from linkmall.stores.models import Merchant

MAX_LEVELS = 10
MAX_LEVEL_NAME = 20
MAX_STREAK_DAY = 31
MAX_BONUS = 10_000
MAX_PERCENT_OFF = Decimal(50)


def loyalty_settings_of(merchant_id: int) -> LoyaltySettings:
    """The merchant's rules: its row, or an unsaved row with the defaults."""
    return LoyaltySettings.objects.filter(merchant_id=merchant_id).first() or LoyaltySettings(merchant_id=merchant_id)


def points_for(paid_fen: int, points_per_yuan: int) -> int:
    """The points `paid_fen` earns: whole points, rounded down."""
    return paid_fen * points_per_yuan // 100


# --- the merchant's rules and levels ------------------------------------------------------------------------


@dataclass(frozen=True)
class LoyaltySettingsFields:
    points_per_yuan: int
    points_valid_days: int
    signin_enabled: bool
    signin_points: int
    #: streak day → extra points, e.g. {3: 10, 7: 30}
    signin_bonuses: Mapping[int, int]
    levels_enabled: bool


def _clean_bonuses(raw: object, errors: Errors) -> dict[str, int]:
    message = _("连续签到奖励：第 1 到 %(days)s 天，每天 0 到 %(max)s 积分") % {"days": MAX_STREAK_DAY, "max": MAX_BONUS}
    if not isinstance(raw, Mapping) or len(raw) > MAX_STREAK_DAY:
        errors["signin_bonuses"] = message
        return {}
    out: dict[str, int] = {}
    for day, points in raw.items():
        day_number = int(day) if isinstance(day, int | str) and str(day).isdigit() and len(str(day)) < 3 else 0
        if (not 1 <= day_number <= MAX_STREAK_DAY or isinstance(points, bool) or not isinstance(points, int)
                or not 0 <= points <= MAX_BONUS):
            errors["signin_bonuses"] = message
            return {}
        if points:
            out[str(day_number)] = points
    return dict(sorted(out.items(), key=lambda item: int(item[0])))


def loyalty_settings_update(*, actor: User, merchant: Merchant, fields: Mapping[str, Any]) -> LoyaltySettings:
    """Set the merchant's rules (every field of `LoyaltySettingsFields`); each bad field is named in
    `detail["fields"]` and nothing changes. New rules apply to what is earned from now on."""
    require_merchant_owner(actor, merchant.pk, what="merchant")
    errors = Errors()
    rate = whole(fields, "points_per_yuan", errors, minimum=0, maximum=100)
    days = whole(fields, "points_valid_days", errors, minimum=1, maximum=3650)
    signin_points = whole(fields, "signin_points", errors, minimum=0, maximum=MAX_BONUS)
    bonuses = _clean_bonuses(fields.get("signin_bonuses"), errors)
    flags = {}
    for flag in ("signin_enabled", "levels_enabled"):
        if not isinstance(fields.get(flag), bool):
            errors[flag] = _("请选择是或否")
        flags[flag] = bool(fields.get(flag))
    errors.raise_any()
    with transaction.atomic():
        settings = _lock_settings(merchant.pk)
        settings.points_per_yuan = rate or 0
        settings.points_valid_days = days or 1
        settings.signin_points = signin_points or 0
        settings.signin_bonuses = bonuses
        settings.signin_enabled = flags["signin_enabled"]
        settings.levels_enabled = flags["levels_enabled"]
        settings.updated_at = clock.now()
        settings.save()
    return settings


def _clean_level(values: Mapping[str, Any], merchant: Merchant, errors: Errors,
                 level_id: int | None) -> dict[str, Any]:
    name = str(values.get("name") or "").strip()
    if not name or len(name) > MAX_LEVEL_NAME:
        errors["name"] = _("请填写名称（%(max)s 字以内）") % {"max": MAX_LEVEL_NAME}
    threshold = whole(values, "threshold_fen", errors, minimum=0, maximum=MAX_PRICE_FEN * 1000)
    raw = values.get("percent_off")
    try:
        percent = Decimal(str(raw)) if isinstance(raw, Decimal | int | str) and not isinstance(raw, bool) else None
    except InvalidOperation:
        percent = None
    if (percent is None or not percent.is_finite() or not 0 < percent < MAX_PERCENT_OFF
            or percent != percent.quantize(Decimal("0.01"))):
        errors["percent_off"] = _("等级折扣应大于 0、小于 50（减去的百分比），最多两位小数")
        percent = None
    others = MemberLevel.objects.filter(merchant=merchant).exclude(pk=level_id or 0)
    if name and others.filter(name=name).exists():
        errors["name"] = _("已有同名的等级")
    if threshold is not None and others.filter(threshold_fen=threshold).exists():
        errors["threshold_fen"] = _("已有相同门槛的等级")
    return {"name": name, "threshold_fen": threshold, "percent_off": percent}


def member_level_create(*, actor: User, merchant: Merchant, fields: Mapping[str, Any]) -> MemberLevel:
    """A new level (name, threshold_fen of growth, percent_off); at most `MAX_LEVELS` per merchant."""
    require_merchant_owner(actor, merchant.pk, what="merchant")
    with transaction.atomic():
        _lock_settings(merchant.pk)  # one level change of a merchant at a time
        errors = Errors()
        values = _clean_level(fields, merchant, errors, None)
        if MemberLevel.objects.filter(merchant=merchant).count() >= MAX_LEVELS:
            errors["name"] = _("最多设置 %(max)s 个等级") % {"max": MAX_LEVELS}
        errors.raise_any()
        return MemberLevel.objects.create(merchant=merchant, created_at=clock.now(), **values)


def member_level_update(*, actor: User, level_id: int, fields: Mapping[str, Any]) -> MemberLevel:
    level = _level(actor, level_id)
    with transaction.atomic():
        _lock_settings(level.merchant_id)
        errors = Errors()
        values = _clean_level(fields, level.merchant, errors, level.pk)
        errors.raise_any()
        MemberLevel.objects.filter(pk=level.pk).update(**values)
    level.refresh_from_db()
    return level


def member_level_delete(*, actor: User, level_id: int) -> None:
    """Remove a level; buyers' growth stays, so they fall to the next level below."""
    level = _level(actor, level_id)
    MemberLevel.objects.filter(pk=level.pk).delete()


def _lock_settings(merchant_id: int) -> LoyaltySettings:
    """Lock the merchant's rules row (made with the defaults when absent): every change of its rules
    or levels takes it first."""
    row, _created = LoyaltySettings.objects.get_or_create(merchant_id=merchant_id)
    return lock_one(LoyaltySettings.objects.all(), row.pk)


def _level(actor: User, level_id: int) -> MemberLevel:
    level = MemberLevel.objects.select_related("merchant").filter(pk=level_id).first()
    if level is None:
        raise NotFound("No such member level.")
    require_merchant_owner(actor, level.merchant_id, what="member level")
    return level


# --- a settled order, a refund after it ---------------------------------------------------------------------


def _growth_move(*, user: User, merchant: Merchant, delta_fen: int, kind: str, key: str, reason: str) -> None:
    """One growth history row (idempotent by key) and the guarded move of the growth value."""
    membership, _created = Membership.objects.get_or_create(user=user, merchant=merchant,
                                                           defaults={"created_at": clock.now()})
    try:
        with transaction.atomic():
            GrowthEntry.objects.create(membership=membership, delta_fen=delta_fen, kind=kind, key=key,
                                       reason=reason[:100], created_at=clock.now())
    except IntegrityError:
        return  # this key moved the growth already
    rows = Membership.objects.filter(pk=membership.pk)
    if delta_fen < 0:
        rows = rows.filter(growth_fen__gte=-delta_fen)
    if rows.update(growth_fen=F("growth_fen") + delta_fen) != 1:
        raise AssertionError("a refund took more growth than its order gave")


def loyalty_order_settled(*, user: User, merchant: Merchant, key: str, paid_fen: int, reason: str) -> LoyaltyCredit:
    """What a settled order gives its buyer: growth `paid_fen` (what the order still has paid) and
    its points. Called once per order in settlement's transaction; a repeat returns the first credit."""
    if isinstance(paid_fen, bool) or not isinstance(paid_fen, int) or paid_fen < 0:
        raise InvalidInput("paid_fen must be a whole number of fen, 0 or more.", detail={"field": "paid_fen"})
    with transaction.atomic():
        existing = LoyaltyCredit.objects.filter(merchant=merchant, key=key).first()
        if existing is not None:
            return existing
        settings = loyalty_settings_of(merchant.pk)
        now = clock.now()
        points = points_for(paid_fen, settings.points_per_yuan)
        credit = LoyaltyCredit.objects.create(user=user, merchant=merchant, key=key, settled_paid_fen=paid_fen,
                                              paid_fen=paid_fen, points=points, created_at=now)
        if paid_fen:
            _growth_move(user=user, merchant=merchant, delta_fen=paid_fen, kind=GrowthEntry.Kind.SETTLE,
                         key=key, reason=reason)
        if points:
            points_change(user=user, merchant=merchant, delta=points, kind=PointsEntry.Reason.EARN,
                          key=f"earn:{key}", reason=reason,
                          expires_at=now + timedelta(days=settings.points_valid_days))
    return credit


def loyalty_order_refunded(*, merchant: Merchant, key: str, paid_fen: int, refund_key: str,
                           reason: str) -> LoyaltyCredit | None:
    """A refund of a settled order: its growth comes down to `paid_fen` (what is still paid) and its
    points to their share of it. None when the order was not settled (nothing was given yet)."""
    with transaction.atomic():
        credit = LoyaltyCredit.objects.select_for_update().select_related("user").filter(
            merchant=merchant, key=key).first()
        if credit is None:
            return None
        paid = max(0, min(paid_fen, credit.paid_fen))
        refund_ref = f"{key}:refund:{refund_key}"
        if paid < credit.paid_fen:
            _growth_move(user=credit.user, merchant=merchant, delta_fen=paid - credit.paid_fen,
                         kind=GrowthEntry.Kind.REFUND, key=refund_ref, reason=reason)
            credit.paid_fen = paid
        keep = credit.points * paid // credit.settled_paid_fen if credit.settled_paid_fen else 0
        owed = credit.points - keep - credit.points_taken - credit.points_short
        if owed > 0:
            taken = _take_back(credit, merchant, owed, key=f"takeback:{refund_ref}", reason=reason)
            credit.points_taken += taken
            credit.points_short += owed - taken
        credit.save(update_fields=["paid_fen", "points_taken", "points_short"])
    return credit


def _take_back(credit: LoyaltyCredit, merchant: Merchant, owed: int, *, key: str, reason: str) -> int:
    """Take up to `owed` points back, never more than the buyer holds (under the account's lock)."""
    account = PointsAccount.objects.filter(user_id=credit.user_id, merchant=merchant).first()
    if account is None:
        return 0
    account = lock_one(PointsAccount.objects.all(), account.pk)
    taken = min(owed, account.balance)
    if taken > 0:
        points_change(user=credit.user, merchant=merchant, delta=-taken, kind=PointsEntry.Reason.TAKEBACK,
                      key=key, reason=reason)
    return taken


# --- expiry ------------------------------------------------------------------------------------------------


def lot_remainders(entries: list[PointsEntry]) -> dict[int, int]:
    """What is left of each lot (a positive entry) after every later change, by entry id, given an
    account's whole history. Spending, take-backs and the like consume the oldest lots first; an
    `expire` entry writes off the lot it names (key `expire:<lot id>`)."""
    left: dict[int, int] = {}
    for entry in sorted(entries, key=lambda e: e.pk):
        if entry.delta > 0:
            left[entry.pk] = entry.delta
            continue
        if entry.kind == PointsEntry.Reason.EXPIRE:
            lot = int(entry.key.split(":", 1)[1])
            left[lot] = left.get(lot, 0) + entry.delta
            continue
        need = -entry.delta
        for lot, amount in left.items():
            if need == 0:
                break
            used = min(amount, need)
            left[lot] = amount - used
            need -= used
    return left


def points_expire_account(*, account_id: int, now: datetime | None = None) -> int:
    """Write off what is left of the account's lots that expired by `now`, one `expire` entry per
    lot, under the account's lock. Returns the points expired."""
    moment = now or clock.now()
    expired = 0
    with transaction.atomic():
        account = lock_one(PointsAccount.objects.all(), account_id)
        entries = list(PointsEntry.objects.filter(account=account).only("pk", "delta", "kind", "key", "expires_at"))
        left = lot_remainders(entries)
        user, merchant = account.user, account.merchant
        for entry in entries:
            if entry.delta <= 0 or entry.expires_at is None or entry.expires_at > moment or left[entry.pk] <= 0:
                continue
            points_change(user=user, merchant=merchant, delta=-left[entry.pk],
                          kind=PointsEntry.Reason.EXPIRE, key=f"expire:{entry.pk}",
                          reason=entry.expires_at.date().isoformat())
            expired += left[entry.pk]
        PointsAccount.objects.filter(pk=account.pk).update(expired_through=moment)
    return expired


def points_expire(*, now: datetime | None = None) -> int:
    """Expire every account's lots that are past their end; idempotent. Returns the points expired."""
    moment = now or clock.now()
    accounts = (PointsEntry.objects.filter(delta__gt=0, expires_at__lte=moment)
                .filter(Q(account__expired_through__isnull=True) | Q(expires_at__gt=F("account__expired_through")))
                .values_list("account_id", flat=True).distinct().order_by("account_id"))
    return sum(points_expire_account(account_id=account_id, now=moment) for account_id in list(accounts))
