"""Writes of the 2+1 engine: plan lifecycle, kill switch, entry and rewards of an order, refunds.

Timing (§4) is the caller's: with `basis: paid` the payment flow calls `order_accrue` when an
order is paid and `order_settle` when it settles; with `basis: settled` only `order_settle`,
which then does the entry and the rewards too.
"""

from django.db import transaction
from django.db.models import F

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
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
    OrderAccrual,
    Promoter,
    QualifyingProduct,
    ReferralPlan,
    Reward,
)
from linkmall.referral.plans import Plan, compliance_check

# --- plans and the kill switch ------------------------------------------------------------


def plan_draft(*, actor: User, config: dict) -> ReferralPlan:
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


def promoter_seed(*, user: User, level: str, team_owner: User | None = None) -> Promoter:
    """Start a user as agent (with a team owner) or boss, as scenario files and migrations do."""
    if level not in (MEMBER, AGENT, BOSS):
        raise InvalidInput(f"unknown level {level!r}", detail={"level": level})
    if level == BOSS and team_owner is not None:
        raise InvalidInput("A boss is in no team.", code="boss_in_no_team")
    with transaction.atomic():
        graph_lock()
        promoter, _ = Promoter.objects.get_or_create(user_id=user.pk)
        promoter.level = level
        promoter.team_owner_id = team_owner.pk if team_owner else None
        promoter.entered_at = clock.now() if level != MEMBER else None
        promoter.save()
        record_events([TeamEvent("seeded", user.pk, team_owner=promoter.team_owner_id, detail=level)], order_id=None)
    return promoter


# --- an order's entry and rewards ---------------------------------------------------------


def _remaining(line: OrderLine) -> int:
    return line.quantity - line.refunded_quantity


def _qualifying_ids(lines) -> set[int]:
    return set(QualifyingProduct.objects.filter(product_id__in={ln.product_id for ln in lines})
               .values_list("product_id", flat=True))


def order_accrue(*, order_id: int, available: bool = False) -> list[Reward]:
    """Entry, placement and rewards of a paid order under the live plan. Idempotent per order."""
    with transaction.atomic():
        plan_row = plan_live()
        if plan_row is None or OrderAccrual.objects.filter(order_id=order_id).exists():
            return []
        plan = Plan.parse(plan_row.config)
        order = Order.objects.get(pk=order_id)
        lines = [ln for ln in order.lines.all() if _remaining(ln) > 0]
        OrderAccrual.objects.create(order=order, plan=plan_row, accrued_at=clock.now())
        if not lines:
            return []
        qualifying = _qualifying_ids(lines)
        buyer = order.buyer_id
        graph = DbGraph()
        events = []
        spend = sum(ln.unit_price_fen * _remaining(ln) for ln in lines)
        promoter = Promoter.objects.filter(user_id=buyer).first()
        is_member = promoter is None or promoter.level == MEMBER
        if plan.entry_spend_fen is not None:
            Promoter.objects.get_or_create(user_id=buyer)
            Promoter.objects.filter(user_id=buyer).update(spend_fen=F("spend_fen") + spend)
        if is_member:
            enters = (any(ln.product_id in qualifying for ln in lines) if plan.entry_spend_fen is None
                      else (promoter.spend_fen if promoter else 0) + spend >= plan.entry_spend_fen)
            if enters:
                graph_lock()
                graph = DbGraph()
                events = enter_as_agent(graph, buyer, plan)
                graph.flush(entered={buyer: clock.now()})
                record_events(events, order_id=order.pk)
        if rewards_paused():
            return []
        rewards = []
        recipients = line_recipients(graph, plan, buyer)
        for line in lines:
            rewarding = line.product_id in qualifying if plan.rewards_on == "qualifying" else line.unit_pool_fen > 0
            if not rewarding:
                continue
            amounts = line_reward_amounts(plan, recipients, quantity=_remaining(line),
                                          unit_price_fen=line.unit_price_fen, unit_pool_fen=line.unit_pool_fen)
            for kind, amount in amounts.items():
                if amount > 0:
                    rewards.append(Reward(
                        line=line, order=order, recipient_id=getattr(recipients, kind), kind=kind,
                        amount_fen=amount, accrued_fen=amount,
                        status=Reward.Status.AVAILABLE if available else Reward.Status.PENDING,
                    ))
        Reward.objects.bulk_create(rewards)
        return rewards


def order_refund_adjust(*, order_id: int) -> list[tuple[Reward, int]]:
    """§5: bring every reward of the order to what the rules give for the remaining quantity.

    Returns (reward, reversed_fen) for each reward that shrank; the caller reverses the money
    (a pending amount is cancelled, an available one clawed back).
    """
    with transaction.atomic():
        accrual = OrderAccrual.objects.select_related("plan").filter(order_id=order_id).first()
        if accrual is None:
            return []
        plan = Plan.parse(accrual.plan.config)
        rewards = list(Reward.objects.select_for_update().filter(order_id=order_id).select_related("line")
                       .order_by("pk"))
        by_line: dict[int, list[Reward]] = {}
        for reward in rewards:
            by_line.setdefault(reward.line_id, []).append(reward)
        changes = []
        for line_rewards in by_line.values():
            line = line_rewards[0].line
            kinds = {r.kind: r for r in line_rewards}
            recipients = Recipients(*(kinds[k].recipient_id if k in kinds else None for k in ("direct", "team", "peer")))
            due = line_reward_amounts(plan, recipients, quantity=_remaining(line),
                                      unit_price_fen=line.unit_price_fen, unit_pool_fen=line.unit_pool_fen)
            for kind, reward in kinds.items():
                target = min(due[kind], reward.amount_fen)
                if target == reward.amount_fen:
                    continue
                reversed_fen = reward.amount_fen - target
                status = reward.status
                if target == 0 and status == Reward.Status.PENDING:
                    status = Reward.Status.CANCELLED
                Reward.objects.filter(pk=reward.pk, amount_fen=reward.amount_fen).update(amount_fen=target,
                                                                                           status=status)
                reward.amount_fen, reward.status = target, status
                changes.append((reward, reversed_fen))
        return changes


def order_settle_rewards(*, order_id: int) -> list[Reward]:
    """Make the order's pending rewards available. Returns the rewards that moved."""
    with transaction.atomic():
        rewards = list(Reward.objects.select_for_update().filter(order_id=order_id, status=Reward.Status.PENDING)
                       .order_by("pk"))
        moved = [r for r in rewards if r.amount_fen > 0]
        Reward.objects.filter(pk__in=[r.pk for r in moved], status=Reward.Status.PENDING).update(
            status=Reward.Status.AVAILABLE)
        Reward.objects.filter(order_id=order_id, status=Reward.Status.PENDING, amount_fen=0).update(
            status=Reward.Status.CANCELLED)
        OrderAccrual.objects.filter(order_id=order_id, settled_at__isnull=True).update(settled_at=clock.now())
        return moved
