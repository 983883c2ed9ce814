"""Reads for promoters (推广中心): my level, my referrer, my team, my rewards, my withdrawals.

Every read is scoped to the asking user; nothing here takes another user's id from outside.
Lists are paged and cost a constant number of queries whatever the team size.
"""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from linkmall.accounts.models import User
from linkmall.core.paging import Page, paginate
from linkmall.ledger.models import Bucket, OwnerKind, Withdrawal
from linkmall.ledger.selectors import balances_of
from linkmall.orders.models import Order
from linkmall.referral.models import Promoter, Reward
from linkmall.referral.plans import DEFAULT_PROFILE, Plan
from linkmall.referral.services import plan_live


def public_name(user: User | None) -> str:
    """How one promoter is shown to another: the display name, else the phone with its middle hidden."""
    if user is None:
        return ""
    if user.display_name:
        return user.display_name
    phone = user.phone or ""
    if len(phone) >= 7:
        return f"{phone[:3]}****{phone[-4:]}"
    return f"#{user.pk}"


@dataclass(frozen=True)
class Balances:
    pending_fen: int
    available_fen: int
    withdrawn_fen: int

    @property
    def debt_fen(self) -> int:
        """What refunds took back beyond the available balance; later earnings pay it off first."""
        return max(0, -self.available_fen)


@dataclass(frozen=True)
class PromoterOverview:
    user: User
    level: str
    level_label: str
    referrer: User | None
    bound_via: str
    bound_at: datetime | None
    team_owner: User | None
    entered_at: datetime | None
    slots: int
    slide_count: int
    team_size: int
    referral_count: int
    balances: Balances

    @property
    def referrer_name(self) -> str:
        return public_name(self.referrer)

    @property
    def is_boss(self) -> bool:
        return self.level == Promoter.Level.BOSS

    @property
    def is_agent(self) -> bool:
        return self.level == Promoter.Level.AGENT


def promoter_referrer(*, user: User) -> User | None:
    promoter = Promoter.objects.select_related("referrer").filter(user_id=user.pk).first()
    return promoter.referrer if promoter else None


def promoter_balances(*, user: User) -> Balances:
    buckets = balances_of(owner_kind=OwnerKind.PROMOTER, owner_id=user.pk)
    return Balances(pending_fen=buckets.get(Bucket.PENDING, 0), available_fen=buckets.get(Bucket.AVAILABLE, 0),
                    withdrawn_fen=buckets.get(Bucket.WITHDRAWN, 0))


def live_slide_count() -> int:
    live = plan_live()
    return Plan.parse(live.config if live else {"profile": DEFAULT_PROFILE}).slide_count


def promoter_overview(*, user: User) -> PromoterOverview:
    """Everything the top of the promoter centre shows, in five queries."""
    promoter = Promoter.objects.select_related("referrer", "team_owner").filter(user_id=user.pk).first()
    level = promoter.level if promoter else Promoter.Level.MEMBER
    return PromoterOverview(
        user=user,
        level=level,
        level_label=str(Promoter.Level(level).label),
        referrer=promoter.referrer if promoter else None,
        bound_via=promoter.bound_via if promoter else "",
        bound_at=promoter.bound_at if promoter else None,
        team_owner=promoter.team_owner if promoter else None,
        entered_at=promoter.entered_at if promoter else None,
        slots=promoter.slots if promoter else 0,
        slide_count=live_slide_count(),
        team_size=Promoter.objects.filter(team_owner_id=user.pk).count(),
        referral_count=Promoter.objects.filter(referrer_id=user.pk).count(),
        balances=promoter_balances(user=user),
    )


def _named(page: Page[Promoter]) -> Page[Promoter]:
    for row in page.items:
        # the only name one promoter sees of another; the ignore: an attribute the model does not declare,
        # added to this page's rows for the templates and the API schema
        row.public_name = public_name(row.user)  # type: ignore[attr-defined]
    return page


def promoter_team(*, user: User, page: int = 1, page_size: int = 20) -> Page[Promoter]:
    """The members of my team (a boss's team), newest first."""
    queryset = (Promoter.objects.filter(team_owner_id=user.pk).select_related("user")
                .order_by("-entered_at", "-user_id"))
    return _named(paginate(queryset, page=page, page_size=page_size))


def promoter_referrals(*, user: User, page: int = 1, page_size: int = 20) -> Page[Promoter]:
    """The people I invited (my referrals in the invite graph), newest first."""
    queryset = (Promoter.objects.filter(referrer_id=user.pk).select_related("user")
                .order_by("-bound_at", "-user_id"))
    return _named(paginate(queryset, page=page, page_size=page_size))


def promoter_rewards(*, user: User, page: int = 1, page_size: int = 20) -> Page[Reward]:
    """My rewards, newest first, with the order number each came from."""
    queryset = (Reward.objects.filter(recipient_id=user.pk).select_related("order")
                .only("pk", "kind", "amount_fen", "accrued_fen", "status", "created_at", "order__number")
                .order_by("-created_at", "-pk"))
    return paginate(queryset, page=page, page_size=page_size)


def promoter_withdrawals(*, user: User, page: int = 1, page_size: int = 20) -> Page[Withdrawal]:
    queryset = Withdrawal.objects.filter(owner_kind=OwnerKind.PROMOTER, owner_id=user.pk).order_by(
        "-requested_at", "-pk")
    return paginate(queryset, page=page, page_size=page_size)


def promoter_withdrawal_get(*, user: User, withdrawal_id: int) -> Withdrawal | None:
    return Withdrawal.objects.filter(owner_kind=OwnerKind.PROMOTER, owner_id=user.pk, pk=withdrawal_id).first()


def share_landing(*, sharer_id: int) -> tuple[str, str]:
    """Where a share link leads, and the store's name: the store the sharer last bought in, else
    the mall's home page (and no name)."""
    store = (Order.objects.filter(buyer_id=sharer_id, store__isnull=False, store__is_active=True)
             .order_by("-placed_at", "-pk").values_list("store_id", "store__name").first())
    if store is None:
        return reverse("web:home"), ""
    return reverse("web:store_home", args=[store[0]]), store[1]


def share_landing_path(*, sharer_id: int) -> str:
    return share_landing(sharer_id=sharer_id)[0]
