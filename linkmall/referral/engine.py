"""The rules of the 链动2+1 engine (docs/specs/chain21.md §2–§5), free of any storage.

`Graph` is what the rules need to read and change; the database-backed graph and the in-memory
graph of the tests both implement it, so the rules are written (and proved) once.
"""

from dataclasses import dataclass
from typing import Protocol

from linkmall.core.money import percent_of
from linkmall.referral.plans import Plan

MEMBER, AGENT, BOSS = "member", "agent", "boss"
EARNING_LEVELS = (AGENT, BOSS)
DIRECT, TEAM, PEER = "direct", "team", "peer"


class Graph(Protocol):
    def level(self, user: int) -> str: ...
    def referrer(self, user: int) -> int | None: ...
    def team_owner(self, user: int) -> int | None: ...
    def origin_boss(self, user: int) -> int | None: ...
    def slots(self, user: int) -> int: ...
    def set_level(self, user: int, level: str) -> None: ...
    def set_team_owner(self, user: int, owner: int | None) -> None: ...
    def set_origin_boss(self, user: int, boss: int | None) -> None: ...
    def set_slots(self, user: int, slots: int) -> None: ...


@dataclass(frozen=True)
class TeamEvent:
    """One change of the team graph, for the audit log."""

    kind: str  # "placed", "slid", "promoted", "broke_away"
    user: int
    team_owner: int | None = None
    referrer: int | None = None
    detail: str = ""


def enter_as_agent(graph: Graph, user: int, plan: Plan) -> list[TeamEvent]:
    """§2: `user` (a member) becomes an agent and is placed by its referrer's level."""
    if graph.level(user) != MEMBER:
        return []
    graph.set_level(user, AGENT)
    referrer = graph.referrer(user)
    ref_level = graph.level(referrer) if referrer is not None else MEMBER
    if referrer is not None and ref_level == BOSS:
        graph.set_team_owner(user, referrer)
        return [TeamEvent("placed", user, team_owner=referrer, referrer=referrer)]
    if referrer is not None and ref_level == AGENT:
        # 滑落 (走1留2): the referral joins the referrer's boss's team and fills a contribution slot.
        owner = graph.team_owner(referrer)
        graph.set_team_owner(user, owner)
        slots = graph.slots(referrer) + 1
        graph.set_slots(referrer, slots)
        events = [TeamEvent("slid", user, team_owner=owner, referrer=referrer, detail=f"slot {slots}")]
        if slots >= plan.slide_count:
            events.extend(promote_to_boss(graph, referrer))
        return events
    graph.set_team_owner(user, None)
    return [TeamEvent("placed", user, team_owner=None, referrer=referrer)]


def promote_to_boss(graph: Graph, user: int) -> list[TeamEvent]:
    """An agent whose slots are full becomes a boss and breaks away (脱离) from its team."""
    old_owner = graph.team_owner(user)
    graph.set_level(user, BOSS)
    graph.set_team_owner(user, None)
    graph.set_origin_boss(user, old_owner)
    return [
        TeamEvent("promoted", user),
        TeamEvent("broke_away", user, team_owner=old_owner, detail="origin_boss" if old_owner else ""),
    ]


@dataclass(frozen=True)
class Recipients:
    """Who earns on one line, decided once when the rewards accrue and kept for refunds (§5)."""

    direct: int | None
    team: int | None
    peer: int | None


def _within_invite_levels(graph: Graph, buyer: int, ancestor: int, limit: int) -> bool:
    current = buyer
    for _ in range(limit):
        parent = graph.referrer(current)
        if parent is None:
            return False
        if parent == ancestor:
            return True
        current = parent
    return False


def line_recipients(graph: Graph, plan: Plan, buyer: int) -> Recipients:
    """§3: the recipients of the direct, team and peer rewards of a line bought by `buyer`."""

    def earns(user: int | None) -> bool:
        return user is not None and user != buyer and graph.level(user) in EARNING_LEVELS

    direct = graph.referrer(buyer) if plan.direct is not None else None
    team = graph.team_owner(buyer) if plan.team is not None else None
    if (team is not None and plan.team_depth_limit is not None
            and not _within_invite_levels(graph, buyer, team, plan.team_depth_limit)):
        team = None
    team = team if earns(team) else None
    peer = graph.origin_boss(team) if (team is not None and plan.peer_percent is not None) else None
    return Recipients(
        direct=direct if earns(direct) else None,
        team=team,
        peer=peer if earns(peer) else None,
    )


def _scaled(amount: int, paid_fen: int, list_fen: int) -> int:
    """amount × paid / list, half up (campaigns.md §3); unchanged when nothing was discounted."""
    if paid_fen == list_fen or list_fen <= 0:
        return amount
    return (2 * amount * paid_fen + list_fen) // (2 * list_fen)


def line_reward_amounts(plan: Plan, recipients: Recipients, *, quantity: int, unit_price_fen: int,
                        unit_pool_fen: int, paid_fen: int | None = None) -> dict[str, int]:
    """§3 amounts for `quantity` units, with the cap applied direct → team → peer.

    `paid_fen` is what the buyer paid for those units, P (docs/specs/campaigns.md §3); None when
    nothing was discounted (P = L = unit price × quantity). On a discounted line the direct and
    team amounts are multiplied by P / L, half up, before the cap, and the cap is taken on P; the
    peer reward is a percentage of the team reward, which is scaled already.

    Called again with the remaining quantity after a refund (§5): same recipients, same rules.
    """
    amounts = {DIRECT: 0, TEAM: 0, PEER: 0}
    if quantity <= 0:
        return amounts
    list_fen = unit_price_fen * quantity
    paid = list_fen if paid_fen is None else paid_fen
    pool = unit_pool_fen * quantity
    left = None
    if plan.payout_cap_percent is not None:
        left = percent_of(paid, plan.payout_cap_percent)

    def take(kind: str, wanted: int) -> None:
        nonlocal left
        if left is not None:
            wanted = min(wanted, left)
            left -= wanted
        amounts[kind] = wanted

    if recipients.direct is not None and plan.direct is not None:
        take(DIRECT, _scaled(plan.direct.amount(quantity=quantity, pool_fen=pool), paid, list_fen))
    if recipients.team is not None and plan.team is not None:
        take(TEAM, _scaled(plan.team.amount(quantity=quantity, pool_fen=pool), paid, list_fen))
        if recipients.peer is not None and plan.peer_percent is not None:
            take(PEER, percent_of(amounts[TEAM], plan.peer_percent))
    return amounts
