"""Daily sign-in (签到): one per buyer, merchant and local day (Asia/Shanghai, by the clock).

The day's row is unique by (user, merchant, day), so a double tap or two devices at once sign in
once: the loser of the race finds the winner's row and answers with it. A sign-in on the day after
the last one continues the streak, any gap starts it again at 1. The reward is the merchant's
`signin_points` plus the bonus of the streak's day in the cycle (`streak_bonus`), granted as a points
lot that expires like earned points (key `signin:<day>`).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.campaigns.models import LoyaltySettings, PointsEntry, SignIn
from linkmall.campaigns.services.loyalty import loyalty_settings_of
from linkmall.campaigns.services.points import points_change
from linkmall.core import clock
from linkmall.core.errors import Conflict
from linkmall.stores.models import Merchant


def local_today() -> date:
    """Today in the site's time zone (Asia/Shanghai), by the clock."""
    return clock.today()


def streak_bonus(settings: LoyaltySettings, streak: int) -> int:
    """The extra points of the `streak`-th day: the bonus of its day in the cycle, whose length is
    the longest bonus day (with {3: 10, 7: 30}, days 3, 7, 10, 14 … earn a bonus)."""
    bonuses = {int(day): int(points) for day, points in (settings.signin_bonuses or {}).items()}
    if not bonuses:
        return 0
    cycle = max(bonuses)
    return bonuses.get((streak - 1) % cycle + 1, 0)


def streak_of(*, user: User, merchant: Merchant, today: date | None = None) -> int:
    """The streak as it stands today: the last sign-in's, if it was today or yesterday, else 0."""
    day = today or local_today()
    last = (SignIn.objects.filter(user=user, merchant=merchant, day__gte=day - timedelta(days=1))
            .order_by("-day").values_list("streak", flat=True).first())
    return last or 0


@dataclass(frozen=True)
class SignInResult:
    sign_in: SignIn
    #: False when the buyer had signed in today already (nothing changed)
    created: bool


def signin_today(*, user: User, merchant: Merchant) -> SignInResult:
    """Sign the buyer in at the merchant today; idempotent for the day. `signin_disabled` when the
    merchant has sign-in off."""
    require_role(user, Role.CONSUMER)
    settings = loyalty_settings_of(merchant.pk)
    if not settings.signin_enabled:
        raise Conflict("This shop has no daily sign-in.", code="signin_disabled", detail={"merchant_id": merchant.pk})
    today = local_today()
    existing = SignIn.objects.filter(user=user, merchant=merchant, day=today).first()
    if existing is not None:
        return SignInResult(existing, created=False)
    previous = SignIn.objects.filter(user=user, merchant=merchant, day=today - timedelta(days=1)).first()
    streak = previous.streak + 1 if previous is not None else 1
    points = settings.signin_points + streak_bonus(settings, streak)
    now = clock.now()
    try:
        with transaction.atomic():
            sign_in = SignIn.objects.create(user=user, merchant=merchant, day=today, streak=streak, points=points,
                                            created_at=now)
            if points:
                points_change(user=user, merchant=merchant, delta=points, kind=PointsEntry.Reason.SIGNIN,
                              key=f"signin:{today.isoformat()}", reason=str(streak),
                              expires_at=now + timedelta(days=settings.points_valid_days))
    except IntegrityError:
        # a concurrent tap signed in first
        return SignInResult(SignIn.objects.get(user=user, merchant=merchant, day=today), created=False)
    return SignInResult(sign_in, created=True)
