"""Reads behind the operator pages and API of the 2+1 engine (plan, graphs, rewards).

Every read here costs a fixed number of queries, whatever the size of a team or the depth of a
chain: the graph browser never loads a tree, it pages one level of children at a time.
"""

from dataclasses import dataclass
from typing import TypedDict

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from linkmall.accounts.models import User
from linkmall.core.errors import NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.referral.models import EngineSwitch, Promoter, ReferralPlan, Reward, TeamEvent
from linkmall.referral.plans import PROFILES, Plan, Rate

#: how many ancestors the referrer chain shows; longer chains say "more above"
CHAIN_LIMIT = 20
CHILDREN_PAGE = 20
EVENTS_LIMIT = 50


def plan_list() -> list[ReferralPlan]:
    """Every plan version, newest first (live, drafts and history)."""
    return list(ReferralPlan.objects.select_related("created_by", "acknowledged_by").order_by("-created_at", "-pk"))


def plan_get(*, plan_id: int) -> ReferralPlan:
    plan = ReferralPlan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("No such plan.")
    return plan


def plan_effective(plan: ReferralPlan | None) -> list[tuple[str, str, str]]:
    """(key, value, the rule in words) of every §7 key of a plan: its profile merged with its overrides."""
    config = dict(plan.config) if plan is not None else {}
    parsed = Plan.parse(config)
    merged = {**PROFILES[parsed.profile], **{k: v for k, v in config.items() if k != "profile"}}
    words = plan_in_words(parsed)
    rows = [("profile", parsed.profile, words["profile"])]
    for key in PROFILES[parsed.profile]:
        rows.append((key, value_text(merged[key]), words[key]))
    return rows


def _rate_words(rate: Rate | None, fixed: str, percent: str, off: str) -> str:
    if rate is None:
        return str(off)
    # Rate.text() is the amount in yuan or the percentage, whichever the rate has
    return (str(fixed) if rate.fixed_fen is not None else str(percent)) % {"x": rate.text()}


def plan_in_words(plan: Plan) -> dict[str, str]:
    """Each rule of a parsed plan as one plain sentence for the operator."""
    pct = "{:f}%".format
    return {
        "profile": str(_("以 %(name)s 方案为基础") % {"name": plan.profile}),
        "slide_count": str(_("代理推荐 %(n)s 人进入后晋升为老板并脱离原团队") % {"n": plan.slide_count}),
        "entry": str(_("购买礼包即成为代理") if plan.entry_spend_fen is None
                     else _("累计消费满 %(x)s 元成为代理") % {"x": fen_to_yuan(plan.entry_spend_fen)}),
        "rewards_on": str(_("只有礼包商品产生奖励") if plan.rewards_on == "qualifying"
                          else _("所有设置了佣金池的商品都产生奖励")),
        "direct": _rate_words(plan.direct, _("直推奖：每件 %(x)s 元"), _("直推奖：佣金池的 %(x)s"), _("不发直推奖")),
        "team": _rate_words(plan.team, _("团队奖：每件 %(x)s 元"), _("团队奖：佣金池的 %(x)s"), _("不发团队奖")),
        "peer": str(_("不发平级奖") if plan.peer_percent is None
                    else _("平级奖：团队奖的 %(x)s，给脱离前的原老板") % {"x": pct(plan.peer_percent.normalize())}),
        "team_depth_limit": str(_("团队奖不限推荐层级") if plan.team_depth_limit is None
                                else _("团队奖只在团队老板位于买家上方 %(n)s 层以内时发放") % {"n": plan.team_depth_limit}),
        "payout_cap": str(_("奖励总额不设上限") if plan.payout_cap_percent is None
                          else _("每行奖励合计不超过售价的 %(x)s") % {"x": pct(plan.payout_cap_percent.normalize())}),
        "basis": str(_("付款时即晋升和计奖，奖励结算前冻结") if plan.basis == "paid"
                     else _("订单结算后才晋升和计奖，奖励立即可提现")),
        "settle_days": str(_("付款 %(n)s 天后结算") % {"n": plan.settle_days}),
        "platform_fee": str(_("平台服务费为售价的 %(x)s") % {"x": pct(plan.platform_fee_percent.normalize())}),
    }


def value_text(value: object) -> str:
    if value is None or value is False or value == "off":
        return "off"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def engine_switch() -> EngineSwitch:
    switch = EngineSwitch.objects.select_related("changed_by").filter(pk=1).first()
    return switch or EngineSwitch(pk=1)


# --- the graphs -------------------------------------------------------------------------------


def user_find(*, query: str) -> User | None:
    """A user by phone, username or id (digits try the id, then the phone)."""
    query = (query or "").strip()[:64]
    if not query:
        return None
    lookup = Q(phone=query) | Q(username=query)
    if query.isdigit() and len(query) < 19:
        lookup |= Q(pk=int(query))
    return User.objects.filter(lookup).order_by("pk").first()


@dataclass
class Node:
    user: User
    promoter: Promoter | None

    @property
    def level(self) -> str:
        return self.promoter.level if self.promoter else Promoter.Level.MEMBER

    @property
    def level_label(self) -> str:
        return str(Promoter.Level(self.level).label)


@dataclass
class ChildrenPage:
    nodes: list[Node]
    next_after: int | None  # the user id to continue after, or None at the end


@dataclass
class UserGraph:
    node: Node
    chain: list[Node]  # referrer first, then its referrer, …
    chain_more: bool
    referral_count: int
    team_owner: Node | None
    origin_boss: Node | None
    team_size: int
    events: list[TeamEvent]


def _referrer_chain(user_id: int, limit: int) -> list[int]:
    """The referrer chain above a user, nearest first, at most `limit` long. One query."""
    table = Promoter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE chain(uid, depth) AS (
                SELECT referrer_id, 1 FROM {table} WHERE user_id = %s
                UNION ALL
                SELECT p.referrer_id, chain.depth + 1 FROM {table} p
                JOIN chain ON p.user_id = chain.uid
                WHERE chain.uid IS NOT NULL AND chain.depth <= %s
            )
            SELECT uid FROM chain WHERE uid IS NOT NULL ORDER BY depth
            """,
            [user_id, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def user_graph(*, user_id: int) -> UserGraph:
    """Both graphs around one user, in seven queries whatever the size of the graph."""
    user = User.objects.filter(pk=user_id).select_related("promoter").first()
    if user is None:
        raise NotFound("No such user.")
    promoter: Promoter | None = getattr(user, "promoter", None)
    chain_ids = _referrer_chain(user.pk, CHAIN_LIMIT)
    more = len(chain_ids) > CHAIN_LIMIT
    chain_ids = chain_ids[:CHAIN_LIMIT]
    wanted = set(chain_ids)
    if promoter is not None:
        wanted |= {uid for uid in (promoter.team_owner_id, promoter.origin_boss_id) if uid is not None}
    users = {u.pk: u for u in User.objects.filter(pk__in=wanted)}
    promoters = {p.user_id: p for p in Promoter.objects.filter(user_id__in=wanted)}

    def node(uid: int) -> Node | None:
        return Node(users[uid], promoters.get(uid)) if uid in users else None

    counts = Promoter.objects.aggregate(
        referrals=Count("pk", filter=Q(referrer_id=user.pk)),
        team=Count("pk", filter=Q(team_owner_id=user.pk)),
    )
    events = list(TeamEvent.objects.filter(user_id=user.pk).select_related("team_owner", "referrer", "order")
                  .order_by("-at", "-id")[:EVENTS_LIMIT])
    return UserGraph(
        node=Node(user, promoter),
        chain=[n for n in (node(uid) for uid in chain_ids) if n is not None],
        chain_more=more,
        referral_count=counts["referrals"],
        team_owner=node(promoter.team_owner_id) if promoter and promoter.team_owner_id else None,
        origin_boss=node(promoter.origin_boss_id) if promoter and promoter.origin_boss_id else None,
        team_size=counts["team"],
        events=events,
    )


def children_page(*, user_id: int, relation: str, after: int = 0, size: int = CHILDREN_PAGE) -> ChildrenPage:
    """One page of a user's direct referrals (`relation="referrals"`) or team members (`"team"`),
    in user id order, continuing after `after`. One query."""
    field = {"referrals": "referrer_id", "team": "team_owner_id"}.get(relation)
    if field is None:
        raise NotFound("No such relation.")
    size = max(1, min(size, 100))
    rows = list(Promoter.objects.filter(**{field: user_id}, user_id__gt=after).select_related("user")
                .order_by("user_id")[: size + 1])
    nodes = [Node(p.user, p) for p in rows[:size]]
    return ChildrenPage(nodes, nodes[-1].user.pk if len(rows) > size else None)


# --- rewards ----------------------------------------------------------------------------------


class RewardTotal(TypedDict):
    status: str
    kind: str
    count: int
    amount_fen: int
    accrued_fen: int


def reward_totals() -> list[RewardTotal]:
    """Count and sums per (status, kind). One aggregate query."""
    return list(Reward.objects.values("status", "kind").annotate(
        count=Count("pk"), amount_fen=Sum("amount_fen"), accrued_fen=Sum("accrued_fen")).order_by("status", "kind"))


def rewards_recent(*, status: str = "", kind: str = "", limit: int = 50) -> QuerySet[Reward]:
    queryset = Reward.objects.select_related("recipient", "order").order_by("-created_at", "-pk")
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset[:limit] if limit else queryset
