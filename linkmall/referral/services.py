"""Writes of the 2+1 engine: plan lifecycle, kill switch, entry and rewards of an order, refunds.

Timing (§4) is the caller's, `linkmall.referral.settlement`, which calls the order functions
below inside its own transaction: with `basis: paid`, `rewards_accrue` when the order is paid
(`order_paid`, called by payments) and `rewards_make_available` when it settles (`order_settle`);
with `basis: settled`, only `order_settle`, which then calls `rewards_accrue` (entry and rewards,
available at once). A refund calls `rewards_adjust_for_refund` (`order_refunded`).
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.catalog.models import Product
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput
from linkmall.orders.models import Order, OrderLine
from linkmall.referral.engine import (
    AGENT,
    BOSS,
    MEMBER,
    Recipients,
    TeamEvent,
    enter_as_agent,
    line_recipients,
    line_reward_amounts,
)
from linkmall.referral.graph import DbGraph, graph_lock, record_events
from linkmall.referral.models import (
    EngineSwitch,
    Promoter,
    QualifyingProduct,
    ReferralPlan,
    Reward,
)
from linkmall.referral.plans import Plan, compliance_check

# --- plans and the kill switch ------------------------------------------------------------


def plan_draft(*, actor: User, config: dict[str, Any]) -> ReferralPlan:
    require_role(actor, Role.PLATFORM)
    plan = Plan.parse(config)  # refuses a malformed plan before anything is stored
    risks = [r.as_dict() for r in compliance_check(plan)]
    return ReferralPlan.objects.create(config=plan.source, compliance=risks, created_by=actor)


def plan_acknowledge(*, actor: User, plan: ReferralPlan, codes: list[str]) -> ReferralPlan:
    """The operator confirms having read every risk; `codes` must name each one."""
    require_role(actor, Role.PLATFORM)
    expected = {r["code"] for r in plan.compliance}
    if set(codes) != expected:
        raise InvalidInput("Acknowledge every compliance risk of this plan.", code="risks_not_acknowledged",
                           detail={"missing": sorted(expected - set(codes)), "unknown": sorted(set(codes) - expected)})
    if plan.status != ReferralPlan.Status.DRAFT:
        raise Conflict("Only a draft plan can be acknowledged.", code="plan_not_draft")
    ReferralPlan.objects.filter(pk=plan.pk).update(acknowledged_by=actor, acknowledged_at=clock.now())
    plan.refresh_from_db()
    return plan


def plan_go_live(*, actor: User, plan: ReferralPlan) -> ReferralPlan:
    require_role(actor, Role.PLATFORM)
    with transaction.atomic():
        plan = ReferralPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.acknowledged_at is None:
            raise Conflict("A plan goes live only after its compliance risks are acknowledged.",
                           code="compliance_not_acknowledged")
        if plan.status != ReferralPlan.Status.DRAFT:
            raise Conflict("Only a draft plan can go live.", code="plan_not_draft")
        now = clock.now()
        ReferralPlan.objects.filter(status=ReferralPlan.Status.LIVE).update(
            status=ReferralPlan.Status.RETIRED, retired_at=now
        )
        plan.status, plan.went_live_at = ReferralPlan.Status.LIVE, now
        plan.save(update_fields=["status", "went_live_at"])
    return plan


def plan_live() -> ReferralPlan | None:
    return ReferralPlan.objects.filter(status=ReferralPlan.Status.LIVE).first()


def rewards_pause(*, actor: User, paused: bool, reason: str = "") -> EngineSwitch:
    """The kill switch. New rewards stop at once; everything already earned stays."""
    require_role(actor, Role.PLATFORM)
    EngineSwitch.objects.get_or_create(pk=1)
    EngineSwitch.objects.filter(pk=1).update(rewards_paused=paused, changed_by=actor, changed_at=clock.now(),
                                              reason=reason[:200])
    return EngineSwitch.objects.get(pk=1)


def rewards_paused() -> bool:
    return EngineSwitch.objects.filter(pk=1, rewards_paused=True).exists()


def qualifying_product_add(*, actor: User, product: Product) -> QualifyingProduct:
    """The operator names a package (礼包) whose purchase is the entry to agent."""
    require_role(actor, Role.PLATFORM)
    row, _ = QualifyingProduct.objects.get_or_create(product=product, defaults={"added_by": actor})
    return row


def promoter_seed(*, user: User, level: str, team_owner: User | None = None) -> Promoter:
    """Start a user as agent (with a team owner) or boss, as scenario files and migrations do.

    Every team owner is a boss (chain21.md §1): a team owner who is not one — or is the user
    itself — is refused (`Conflict` `team_owner_not_boss`), checked under the graph lock.
    """
    if level not in (MEMBER, AGENT, BOSS):
        raise InvalidInput(f"unknown level {level!r}", detail={"level": level})
    if level == BOSS and team_owner is not None:
        raise InvalidInput("A boss is in no team.", code="boss_in_no_team")
    if level == MEMBER and team_owner is not None:
        raise InvalidInput("A member is in no team: only an agent is seeded with a team owner.",
                           detail={"level": level})
    with transaction.atomic():
        graph_lock()
        if team_owner is not None:
            owner_level = Promoter.objects.filter(user_id=team_owner.pk).values_list("level", flat=True).first()
            if team_owner.pk == user.pk or owner_level != BOSS:
                raise Conflict("A team owner must be a boss.", code="team_owner_not_boss",
                               detail={"team_owner": team_owner.pk, "level": owner_level or MEMBER})
        promoter, _ = Promoter.objects.get_or_create(user_id=user.pk)
        promoter.level = level
        promoter.team_owner_id = team_owner.pk if team_owner else None
        promoter.entered_at = clock.now() if level != MEMBER else None
        promoter.save()
        record_events([TeamEvent("seeded", user.pk, team_owner=promoter.team_owner_id, detail=level)], order_id=None)
    return promoter


# --- an order's entry and rewards ---------------------------------------------------------
# These run inside the caller's transaction, with the order's settlement row locked
# (linkmall.referral.settlement), which makes each of them happen once per order.


def remaining_quantity(line: OrderLine) -> int:
    return line.quantity - line.refunded_quantity


def _qualifying_ids(lines: Iterable[OrderLine]) -> set[int]:
    return set(QualifyingProduct.objects.filter(product_id__in={ln.product_id for ln in lines})
               .values_list("product_id", flat=True))


def _enters(plan: Plan, promoter: Promoter | None, lines: list[OrderLine], qualifying: set[int], spend: int) -> bool:
    if promoter is not None and promoter.level != MEMBER:
        return False
    if plan.entry_spend_fen is None:
        return any(line.product_id in qualifying for line in lines)
    return (promoter.spend_fen if promoter else 0) + spend >= plan.entry_spend_fen


def rewards_accrue(*, order: Order, plan: Plan, available: bool) -> list[Reward]:
    """§2–§3 for one order: entry and placement of the buyer first, then the line rewards."""
    lines = [ln for ln in order.lines.all() if remaining_quantity(ln) > 0]
    if not lines:
        return []
    qualifying = _qualifying_ids(lines)
    buyer = order.buyer_id
    # what the buyer paid for the units kept (campaigns.md §1: P, after every discount)
    spend = sum(ln.share_of(ln.paid_fen) for ln in lines)
    promoter = Promoter.objects.filter(user_id=buyer).first()
    enters = _enters(plan, promoter, lines, qualifying, spend)
    if plan.entry_spend_fen is not None:
        Promoter.objects.get_or_create(user_id=buyer)
        Promoter.objects.filter(user_id=buyer).update(spend_fen=F("spend_fen") + spend)
    graph = DbGraph()
    if enters:
        graph_lock()
        events = enter_as_agent(graph, buyer, plan)
        graph.flush(entered={buyer: clock.now()})
        record_events(events, order_id=order.pk)
    if rewards_paused():
        return []
    recipients = line_recipients(graph, plan, buyer)
    status = Reward.Status.AVAILABLE if available else Reward.Status.PENDING
    rewards: list[Reward] = []
    for line in lines:
        rewarding = line.product_id in qualifying if plan.rewards_on == "qualifying" else line.unit_pool_fen > 0
        if not rewarding or (line.activity_kind and not line.activity_rewards):  # campaigns.md §3
            continue
        amounts = line_reward_amounts(plan, recipients, quantity=remaining_quantity(line),
                                      unit_price_fen=line.unit_price_fen, unit_pool_fen=line.unit_pool_fen,
                                      paid_fen=line.share_of(line.paid_fen))
        rewards.extend(
            Reward(line=line, order=order, recipient_id=getattr(recipients, kind), kind=kind,
                   amount_fen=amount, accrued_fen=amount, status=status)
            for kind, amount in amounts.items() if amount > 0
        )
    Reward.objects.bulk_create(rewards)
    return rewards


def rewards_adjust_for_refund(*, order: Order, plan: Plan) -> list[tuple[Reward, int]]:
    """§5: bring every reward of the order to what the rules give for the remaining quantity,
    paid to the same recipients. Returns (reward, reversed_fen) for each reward that shrank."""
    rewards = list(Reward.objects.filter(order=order).select_related("line").order_by("pk"))
    by_line: dict[int, dict[str, Reward]] = {}
    for reward in rewards:
        by_line.setdefault(reward.line_id, {})[reward.kind] = reward
    changes = []
    for kinds in by_line.values():
        line = next(iter(kinds.values())).line
        recipients = Recipients(*(kinds[k].recipient_id if k in kinds else None for k in ("direct", "team", "peer")))
        due = line_reward_amounts(plan, recipients, quantity=remaining_quantity(line),
                                  unit_price_fen=line.unit_price_fen, unit_pool_fen=line.unit_pool_fen,
                                  paid_fen=line.share_of(line.paid_fen))
        for kind, reward in kinds.items():
            target = min(due[kind], reward.amount_fen)
            if target == reward.amount_fen:
                continue
            status = reward.status
            if target == 0 and status == Reward.Status.PENDING:
                status = Reward.Status.CANCELLED
            Reward.objects.filter(pk=reward.pk).update(amount_fen=target, status=status)
            changes.append((reward, reward.amount_fen - target))
            reward.amount_fen, reward.status = target, status
    return changes


def rewards_make_available(*, order: Order) -> int:
    """Settlement of `basis: paid` rewards: pending → available. Returns how many moved."""
    Reward.objects.filter(order=order, status=Reward.Status.PENDING, amount_fen=0).update(
        status=Reward.Status.CANCELLED)
    return Reward.objects.filter(order=order, status=Reward.Status.PENDING).update(status=Reward.Status.AVAILABLE)


def promoter_enter(*, user: User, plan: Plan) -> list[TeamEvent]:
    """A seeded member becomes an agent now and is placed by §2, as if it had bought the package."""
    with transaction.atomic():
        graph_lock()
        graph = DbGraph()
        events = enter_as_agent(graph, user.pk, plan)
        graph.flush(entered={user.pk: clock.now()} if events else None)
        record_events(events, order_id=None)
    return events
