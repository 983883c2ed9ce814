"""The platform operator's API of the 2+1 engine (/api/v1/referral/ops): plans, compliance,
the kill switch, the graph browser and the withdrawal review queue. Platform staff only."""

from datetime import datetime
from typing import Any

from ninja import Field, Router, Schema, Status
from ninja.params.functions import Query  # the call form: to mypy, ninja.Query is a generic alias
from pydantic import field_validator

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.ledger.models import Withdrawal
from linkmall.ledger.pages.queries import QueueRow, queue_rows, withdrawal_queue
from linkmall.ledger.withdrawals import withdrawal_approve, withdrawal_reject
from linkmall.referral import services
from linkmall.referral.models import ReferralPlan
from linkmall.referral.pages import operator_selectors as selectors

router = Router(tags=["referral-operator"], auth=api_auth)


def _operator(request: ApiRequest) -> User:
    return require_role(request.auth, Role.PLATFORM)


# --- schemas ------------------------------------------------------------------------------------


class RiskOut(Schema):
    code: str
    severity: str
    article: str
    explanation: str


class PlanOut(Schema):
    id: int
    status: str
    config: dict[str, Any]
    #: every §7 key with its effective value (profile merged with overrides), as text
    effective: dict[str, str]
    #: each rule in one plain sentence, in the request's language
    in_words: dict[str, str]
    compliance: list[RiskOut]
    created_at: datetime
    acknowledged_at: datetime | None
    went_live_at: datetime | None
    retired_at: datetime | None


class SwitchOut(Schema):
    rewards_paused: bool
    reason: str
    changed_at: datetime | None
    changed_by: int | None


class PlansOut(Schema):
    live: PlanOut | None
    drafts: list[PlanOut]
    switch: SwitchOut


class PlanIn(Schema):
    #: a plan file: {"profile": "classic"|"sales", and any §7 key to override}
    config: dict[str, Any] = Field(default_factory=dict)

    @field_validator("config")
    @classmethod
    def no_floats(cls, config: dict[str, Any]) -> dict[str, Any]:
        # amounts are yuan strings ("100.00") or percentages ("10%"); a JSON float cannot hold fen exactly
        values = [v for value in config.values() for v in (value.values() if isinstance(value, dict) else [value])]
        if any(isinstance(v, float) for v in values):
            raise ValueError('write amounts as strings such as "100.00" or "10%", not numbers with decimals')
        return config


class AcknowledgeIn(Schema):
    codes: list[str] = Field(max_length=50)


class KillSwitchIn(Schema):
    paused: bool
    reason: str = Field("", max_length=200)


class NodeOut(Schema):
    id: int
    name: str
    phone: str | None
    level: str
    slots: int


class ChildrenOut(Schema):
    items: list[NodeOut]
    next_after: int | None


class GraphOut(Schema):
    user: NodeOut
    referrer_chain: list[NodeOut]
    referrer_chain_truncated: bool
    team_owner: NodeOut | None
    origin_boss: NodeOut | None
    referral_count: int
    team_size: int
    referrals: ChildrenOut
    team: ChildrenOut


class OperatorWithdrawalOut(Schema):
    id: int
    owner: str
    owner_name: str
    amount_fen: int
    amount: str
    fee_fen: int
    fee: str
    net_fen: int
    status: str
    requested_at: datetime
    reviewed_at: datetime | None
    note: str
    balances_fen: dict[str, int]


class WithdrawalRejectIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


def _plan_out(plan: ReferralPlan) -> dict[str, Any]:
    return {
        "id": plan.pk, "status": plan.status, "config": plan.config,
        "effective": {key: value for key, value, _words in selectors.plan_effective(plan)},
        "in_words": {key: words for key, _value, words in selectors.plan_effective(plan)}, "compliance": plan.compliance,
        "created_at": plan.created_at, "acknowledged_at": plan.acknowledged_at,
        "went_live_at": plan.went_live_at, "retired_at": plan.retired_at,
    }


def _node_out(node: selectors.Node) -> dict[str, Any]:
    return {"id": node.user.pk, "name": node.user.display_name or node.user.username, "phone": node.user.phone,
            "level": node.level, "slots": node.promoter.slots if node.promoter else 0}


def _children_out(page: selectors.ChildrenPage) -> dict[str, Any]:
    return {"items": [_node_out(n) for n in page.nodes], "next_after": page.next_after}


def _withdrawal_out(row: QueueRow) -> dict[str, Any]:
    w = row.withdrawal
    return {
        "id": w.pk, "owner": f"{w.owner_kind}:{w.owner_id}", "owner_name": row.owner_label,
        "amount_fen": w.amount_fen, "amount": fen_to_yuan(w.amount_fen), "fee_fen": w.fee_fen,
        "fee": fen_to_yuan(w.fee_fen), "net_fen": w.net_fen, "status": w.status, "requested_at": w.requested_at,
        "reviewed_at": w.reviewed_at, "note": w.note, "balances_fen": row.balances,
    }


# --- plans and the kill switch ------------------------------------------------------------------


@router.get("/plan", response=PlansOut)
def plan_overview(request: ApiRequest) -> dict[str, Any]:
    _operator(request)
    switch = selectors.engine_switch()
    live = services.plan_live()
    drafts = [p for p in selectors.plan_list() if p.status == ReferralPlan.Status.DRAFT]
    return {
        "live": _plan_out(live) if live else None,
        "drafts": [_plan_out(p) for p in drafts],
        "switch": {"rewards_paused": switch.rewards_paused, "reason": switch.reason,
                   "changed_at": switch.changed_at if switch.changed_by_id else None,
                   "changed_by": switch.changed_by_id},
    }


@router.post("/plans", response={201: PlanOut})
def plan_create(request: ApiRequest, payload: PlanIn) -> Status[dict[str, Any]]:
    plan = services.plan_draft(actor=_operator(request), config=payload.config)
    return Status(201, _plan_out(plan))


@router.post("/plans/{plan_id}/acknowledge", response=PlanOut)
def plan_acknowledge(request: ApiRequest, plan_id: int, payload: AcknowledgeIn) -> dict[str, Any]:
    actor = _operator(request)
    plan = services.plan_acknowledge(actor=actor, plan=selectors.plan_get(plan_id=plan_id), codes=payload.codes)
    return _plan_out(plan)


@router.post("/plans/{plan_id}/go-live", response=PlanOut)
def plan_go_live(request: ApiRequest, plan_id: int) -> dict[str, Any]:
    actor = _operator(request)
    return _plan_out(services.plan_go_live(actor=actor, plan=selectors.plan_get(plan_id=plan_id)))


@router.post("/kill-switch", response=SwitchOut)
def kill_switch(request: ApiRequest, payload: KillSwitchIn) -> dict[str, Any]:
    switch = services.rewards_pause(actor=_operator(request), paused=payload.paused, reason=payload.reason.strip())
    return {"rewards_paused": switch.rewards_paused, "reason": switch.reason, "changed_at": switch.changed_at,
            "changed_by": switch.changed_by_id}


# --- the graphs ---------------------------------------------------------------------------------


@router.get("/users/{user_id}/graph", response=GraphOut)
def user_graph(request: ApiRequest, user_id: int, after_referral: int = 0, after_member: int = 0,
               size: int = Query(selectors.CHILDREN_PAGE, ge=1, le=100)) -> dict[str, Any]:
    """Both graphs around one user; children come a page at a time (continue with `after_*`)."""
    _operator(request)
    graph = selectors.user_graph(user_id=user_id)
    return {
        "user": _node_out(graph.node),
        "referrer_chain": [_node_out(n) for n in graph.chain],
        "referrer_chain_truncated": graph.chain_more,
        "team_owner": _node_out(graph.team_owner) if graph.team_owner else None,
        "origin_boss": _node_out(graph.origin_boss) if graph.origin_boss else None,
        "referral_count": graph.referral_count,
        "team_size": graph.team_size,
        "referrals": _children_out(selectors.children_page(user_id=user_id, relation="referrals",
                                                           after=after_referral, size=size)),
        "team": _children_out(selectors.children_page(user_id=user_id, relation="team", after=after_member,
                                                      size=size)),
    }


# --- withdrawals --------------------------------------------------------------------------------


@router.get("/withdrawals", response=list[OperatorWithdrawalOut])
def withdrawals(request: ApiRequest, status: str = Withdrawal.Status.REQUESTED, after: int = Query(0, ge=0),
                limit: int = Query(50, ge=1, le=200)) -> list[dict[str, Any]]:
    """The review queue, oldest first (`status=all` for every one); continue with `after` = the last id seen."""
    _operator(request)
    if status != "all" and status not in Withdrawal.Status.values:
        raise InvalidInput(f"Unknown status {status[:20]!r}.", detail={"field": "status"})
    queryset = withdrawal_queue(status="" if status == "all" else status).filter(pk__gt=after).order_by("pk")
    return [_withdrawal_out(row) for row in queue_rows(list(queryset[:limit]))]


def _withdrawal(withdrawal_id: int) -> Withdrawal:
    withdrawal = Withdrawal.objects.filter(pk=withdrawal_id).first()
    if withdrawal is None:
        raise NotFound("No such withdrawal.")
    return withdrawal


@router.post("/withdrawals/{withdrawal_id}/approve", response=OperatorWithdrawalOut)
def withdrawal_approve_endpoint(request: ApiRequest, withdrawal_id: int) -> dict[str, Any]:
    actor = _operator(request)
    done = withdrawal_approve(actor=actor, withdrawal=_withdrawal(withdrawal_id))
    return _withdrawal_out(queue_rows([done])[0])


@router.post("/withdrawals/{withdrawal_id}/reject", response=OperatorWithdrawalOut)
def withdrawal_reject_endpoint(request: ApiRequest, withdrawal_id: int, payload: WithdrawalRejectIn) -> dict[str, Any]:
    actor = _operator(request)
    done = withdrawal_reject(actor=actor, withdrawal=_withdrawal(withdrawal_id), reason=payload.reason)
    return _withdrawal_out(queue_rows([done])[0])
