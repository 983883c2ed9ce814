"""Loyalty's reads: a buyer's points, level and sign-in at a merchant, what checkout's level step
takes, and the merchant's levels. Keyword-only, like every selector."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Exists, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from linkmall.accounts.models import User
from linkmall.campaigns.models import (
    LoyaltySettings,
    MemberLevel,
    Membership,
    PointsAccount,
    PointsEntry,
    SignIn,
)
from linkmall.campaigns.services.loyalty import lot_remainders, loyalty_settings_of
from linkmall.campaigns.services.signin import local_today, streak_bonus
from linkmall.core import clock
from linkmall.stores.models import Merchant

#: "expiring soon" on the points page: lots that end within this many days
EXPIRING_WITHIN_DAYS = 30


def level_for(growth_fen: int, levels: Sequence[MemberLevel]) -> MemberLevel | None:
    """The highest level whose threshold the growth reaches."""
    reached = [level for level in levels if level.threshold_fen <= growth_fen]
    return max(reached, key=lambda level: level.threshold_fen) if reached else None


def member_levels(*, merchant_id: int) -> QuerySet[MemberLevel]:
    return MemberLevel.objects.filter(merchant_id=merchant_id).order_by("threshold_fen")


def points_and_level(*, buyer: User, merchant: Merchant) -> tuple[int, Decimal]:
    """Checkout's two loyalty facts in one query: the points the buyer holds at the merchant, and the
    percent off of the buyer's member level (0 without a level, or with levels switched off)."""
    growth = Membership.objects.filter(user=buyer, merchant=merchant).values("growth_fen")[:1]
    level = (MemberLevel.objects.filter(merchant=merchant, threshold_fen__lte=Coalesce(Subquery(growth), Value(0)))
             .order_by("-threshold_fen").values("percent_off")[:1])
    switched_off = LoyaltySettings.objects.filter(merchant=merchant, levels_enabled=False)
    held = PointsAccount.objects.filter(user=buyer, merchant=merchant).values("balance")[:1]
    row = (Merchant.objects.filter(pk=merchant.pk)
           .annotate(held=Subquery(held), level_off=Subquery(level), off=Exists(switched_off))
           .values_list("held", "level_off", "off").first())
    if row is None:
        return 0, Decimal(0)
    held_points, percent, switched = row
    return held_points or 0, Decimal(0) if switched or percent is None else Decimal(percent)


@dataclass(frozen=True)
class Expiring:
    points: int
    expires_at: datetime


@dataclass(frozen=True)
class LoyaltySummary:
    """What the points page shows for one buyer at one merchant."""

    merchant: Merchant
    settings: LoyaltySettings
    balance: int
    growth_fen: int
    levels: list[MemberLevel]
    level: MemberLevel | None
    next_level: MemberLevel | None
    #: fen of settled spending still needed for `next_level`
    to_next_fen: int
    signed_in_today: bool
    #: the streak as it stands today (0: none)
    streak: int
    #: what the next sign-in gives (today's when not signed in yet, else tomorrow's)
    next_signin_points: int
    #: lots ending within EXPIRING_WITHIN_DAYS, soonest first, with what is left of each
    expiring: list[Expiring]

    @property
    def expiring_points(self) -> int:
        return sum(item.points for item in self.expiring)


def loyalty_summary(*, user: User, merchant: Merchant) -> LoyaltySummary:
    settings = loyalty_settings_of(merchant.pk)
    account = PointsAccount.objects.filter(user=user, merchant=merchant).first()
    growth = Membership.objects.filter(user=user, merchant=merchant).values_list("growth_fen", flat=True).first() or 0
    levels = list(member_levels(merchant_id=merchant.pk)) if settings.levels_enabled else []
    level = level_for(growth, levels)
    higher = [candidate for candidate in levels if candidate.threshold_fen > growth]
    next_level = higher[0] if higher else None
    today = local_today()
    recent = list(SignIn.objects.filter(user=user, merchant=merchant, day__gte=today - timedelta(days=1))
                  .order_by("-day")[:1])
    signed_today = bool(recent) and recent[0].day == today
    streak = recent[0].streak if recent else 0
    return LoyaltySummary(
        merchant=merchant, settings=settings, balance=account.balance if account else 0, growth_fen=growth,
        levels=levels, level=level, next_level=next_level,
        to_next_fen=next_level.threshold_fen - growth if next_level else 0,
        signed_in_today=signed_today, streak=streak,
        next_signin_points=settings.signin_points + streak_bonus(settings, streak + 1),
        expiring=expiring_lots(account=account) if account else [],
    )


def expiring_lots(*, account: PointsAccount, within_days: int = EXPIRING_WITHIN_DAYS) -> list[Expiring]:
    """What is left of the account's lots that end within `within_days`, soonest first."""
    now = clock.now()
    entries = list(PointsEntry.objects.filter(account=account).only("pk", "delta", "kind", "key", "expires_at"))
    left = lot_remainders(entries)
    soon = [Expiring(points=left[e.pk], expires_at=e.expires_at) for e in entries
            if e.delta > 0 and e.expires_at is not None and now < e.expires_at <= now + timedelta(days=within_days)
            and left[e.pk] > 0]
    return sorted(soon, key=lambda item: item.expires_at)


@dataclass(frozen=True)
class MerchantLoyalty:
    merchant: Merchant
    balance: int
    growth_fen: int


def my_loyalty(*, user: User) -> list[MerchantLoyalty]:
    """Every merchant where the user has points, growth or a sign-in: their balance and growth."""
    balances = dict(PointsAccount.objects.filter(user=user).values_list("merchant_id", "balance"))
    growth = dict(Membership.objects.filter(user=user).values_list("merchant_id", "growth_fen"))
    signed = set(SignIn.objects.filter(user=user).values_list("merchant_id", flat=True).distinct())
    ids = sorted(set(balances) | set(growth) | signed)
    merchants = Merchant.objects.in_bulk(ids)
    return [MerchantLoyalty(merchant=merchants[pk], balance=balances.get(pk, 0), growth_fen=growth.get(pk, 0))
            for pk in ids if pk in merchants]

