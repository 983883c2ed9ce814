"""Reward plans of the 链动2+1 engine (docs/specs/chain21.md §7) and their compliance check.

A plan names a profile (`classic` or `sales`, the default) and may override any key. Amounts
are parsed once into integer fen or exact percentages; nothing here touches the database.
"""

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from linkmall.core.errors import InvalidInput
from linkmall.core.money import fen_to_yuan, percent_of, yuan_to_fen

PROFILES: dict[str, dict[str, Any]] = {
    "classic": {
        "slide_count": 2,
        "entry": "qualifying",
        "rewards_on": "qualifying",
        "direct": "100.00",
        "team": "200.00",
        "peer": "10%",
        "team_depth_limit": None,
        "payout_cap": None,
        "basis": "paid",
        "settle_days": 7,
        "platform_fee": "0%",
    },
    "sales": {
        "slide_count": 2,
        "entry": "qualifying",
        "rewards_on": "all",
        "direct": "60%",
        "team": "40%",
        "peer": None,
        "team_depth_limit": 2,
        "payout_cap": "30%",
        "basis": "settled",
        "settle_days": 7,
        "platform_fee": "0%",
    },
}
DEFAULT_PROFILE = "sales"
PLAN_KEYS = frozenset(PROFILES["classic"]) | {"profile"}
OFF = (None, "off", False, "0", "0%", 0)


def _none(value: object) -> bool:
    """Is `value` the spec's "none" (§7 table) or "off"? A YAML plan file writes `payout_cap: none`
    as the string "none", and `off` as false."""
    return value is None or value is False or (isinstance(value, str) and value.strip().lower() in ("none", "off"))


def _percent(text: object, key: str) -> Decimal:
    raw = str(text).strip()
    if not raw.endswith("%"):
        raise InvalidInput(f"plan key {key!r} must be a percentage such as \"10%\"", detail={"key": key})
    try:
        value = Decimal(raw[:-1])
    except InvalidOperation:
        raise InvalidInput(f"plan key {key!r} is not a percentage: {text!r}", detail={"key": key}) from None
    if not value.is_finite() or value < 0 or value > 100:
        raise InvalidInput(f"plan key {key!r} must be between 0% and 100%", detail={"key": key})
    return value


@dataclass(frozen=True)
class Rate:
    """A reward rule: a fixed amount per unit, or a percentage of the line's commission pool."""

    fixed_fen: int | None = None
    percent: Decimal | None = None

    @classmethod
    def parse(cls, value: object, key: str) -> "Rate | None":
        if value in OFF or _none(value):
            return None
        if not isinstance(value, str):
            # a float cannot hold most fen amounts exactly: amounts are written as strings
            raise InvalidInput(f'plan key {key!r} must be a string such as "100.00" or "60%"', detail={"key": key})
        text = value.strip()
        if text.endswith("%"):
            return cls(percent=_percent(text, key))
        fen = yuan_to_fen(text, field=key)
        if fen < 0:
            raise InvalidInput(f"plan key {key!r} must not be negative", detail={"key": key})
        return cls(fixed_fen=fen)

    def amount(self, *, quantity: int, pool_fen: int) -> int:
        """`pool_fen` is the line's whole pool (unit pool × quantity)."""
        if self.fixed_fen is not None:
            return self.fixed_fen * quantity
        return percent_of(pool_fen, self._percent())

    def text(self) -> str:
        return fen_to_yuan(self.fixed_fen) if self.fixed_fen is not None else f"{self._percent().normalize():f}%"

    def _percent(self) -> Decimal:
        if self.percent is None:
            raise ValueError("a Rate has either a fixed amount or a percentage")
        return self.percent


@dataclass(frozen=True)
class Plan:
    profile: str
    slide_count: int
    entry_spend_fen: int | None  # None: entry by a qualifying product
    rewards_on: str  # "qualifying" or "all"
    direct: Rate | None
    team: Rate | None
    peer_percent: Decimal | None
    team_depth_limit: int | None
    payout_cap_percent: Decimal | None
    basis: str  # "paid" or "settled"
    settle_days: int
    platform_fee_percent: Decimal
    source: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def parse(cls, data: dict[str, Any] | None) -> "Plan":
        data = dict(data or {})
        unknown = sorted(set(data) - PLAN_KEYS)
        if unknown:
            raise InvalidInput(f"unknown plan key(s): {', '.join(unknown)}", detail={"keys": unknown})
        profile = data.pop("profile", DEFAULT_PROFILE)
        if profile not in PROFILES:
            raise InvalidInput(f"unknown plan profile {profile!r}", detail={"profile": profile})
        merged = {**PROFILES[profile], **data}

        slide_count = merged["slide_count"]
        if not isinstance(slide_count, int) or isinstance(slide_count, bool) or slide_count < 1:
            raise InvalidInput("slide_count must be a whole number ≥ 1", detail={"key": "slide_count"})
        entry = merged["entry"]
        if entry == "qualifying":
            entry_spend = None
        elif isinstance(entry, dict) and set(entry) == {"spend"}:
            entry_spend = yuan_to_fen(entry["spend"], field="entry.spend")
            if entry_spend <= 0:
                raise InvalidInput("entry.spend must be positive", detail={"key": "entry"})
        else:
            raise InvalidInput('entry must be "qualifying" or {spend: "X"}', detail={"key": "entry"})
        if merged["rewards_on"] not in ("qualifying", "all"):
            raise InvalidInput('rewards_on must be "qualifying" or "all"', detail={"key": "rewards_on"})
        depth = None if _none(merged["team_depth_limit"]) else merged["team_depth_limit"]
        if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool) or depth < 1):
            raise InvalidInput("team_depth_limit must be a whole number ≥ 1 or none", detail={"key": "team_depth_limit"})
        if merged["basis"] not in ("paid", "settled"):
            raise InvalidInput('basis must be "paid" or "settled"', detail={"key": "basis"})
        settle_days = merged["settle_days"]
        if not isinstance(settle_days, int) or isinstance(settle_days, bool) or settle_days < 0:
            raise InvalidInput("settle_days must be a whole number ≥ 0", detail={"key": "settle_days"})
        peer = merged["peer"]
        cap = merged["payout_cap"]
        return cls(
            profile=profile,
            slide_count=slide_count,
            entry_spend_fen=entry_spend,
            rewards_on=merged["rewards_on"],
            direct=Rate.parse(merged["direct"], "direct"),
            team=Rate.parse(merged["team"], "team"),
            peer_percent=None if peer in OFF or _none(peer) else _percent(peer, "peer"),
            team_depth_limit=depth,
            payout_cap_percent=None if _none(cap) else _percent(cap, "payout_cap"),
            basis=merged["basis"],
            settle_days=settle_days,
            platform_fee_percent=_percent(merged["platform_fee"], "platform_fee"),
            source={"profile": profile, **data},
        )

    def with_changes(self, **changes: Any) -> "Plan":
        return replace(self, **changes)


# --- Compliance under 禁止传销条例 (Regulations on Prohibition of Pyramid Selling) Art. 7 ----------
# Art. 7 names three forms: (1) paying for recruiting people ("拉人头"), (2) an entry fee for the right
# to join or earn ("入门费"), (3) a hierarchy where rewards depend on the sales of people under you
# ("团队计酬"). Each risk below says which form a plan key leans towards, and why.

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Risk:
    code: str
    severity: str  # high / medium / low
    article: str
    explanation: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "article": self.article,
                "explanation": self.explanation}


def compliance_check(plan: Plan) -> list[Risk]:
    risks: list[Risk] = []
    if plan.entry_spend_fen is None:
        risks.append(Risk(
            "entry_fee_package", "high" if plan.rewards_on == "qualifying" else "medium", "Art. 7(2)",
            "会员只有购买礼包才能成为代理并获得收益，可能被认定为变相收取入门费。"
            " Becoming an agent requires buying a package, which can be read as an entry fee.",
        ))
    risks.append(Risk(
        "headcount_promotion", "high", "Art. 7(1)",
        f"代理每推荐 {plan.slide_count} 人即晋升老板，晋升取决于发展人数而非销售业绩。"
        f" Promotion to boss is earned by recruiting {plan.slide_count} people, not by sales.",
    ))
    if plan.team is not None:
        risks.append(Risk(
            "team_pay", "high" if plan.team.fixed_fen is not None else "medium", "Art. 7(3)",
            "老板从团队成员的订单中获得团队奖，报酬与下线业绩挂钩。"
            " Bosses earn from their team members' orders: pay tied to the sales of people below them.",
        ))
    if plan.team is not None and plan.team_depth_limit is None:
        risks.append(Risk(
            "unbounded_depth", "high", "Art. 7(3)",
            "团队奖没有层级限制，可无限向下计酬。 Team rewards have no depth limit.",
        ))
    # peer pay is a share of a team reward (§3): without team pay there is none to report
    if plan.team is not None and plan.peer_percent is not None:
        risks.append(Risk(
            "peer_after_breakaway", "high", "Art. 7(3)",
            "老板脱离后原老板仍获得平级奖，形成多层级计酬。"
            " The old boss keeps earning from a boss who broke away: pay across levels.",
        ))
    if plan.payout_cap_percent is None:
        risks.append(Risk(
            "no_cap", "medium", "Art. 7",
            "奖励总额没有占售价比例的上限。 Rewards have no cap as a share of the price.",
        ))
    elif plan.payout_cap_percent > 30:
        risks.append(Risk(
            "high_cap", "medium", "Art. 7",
            "奖励上限高于售价的 30%。 The reward cap exceeds 30% of the price.",
        ))
    if plan.basis == "paid":
        risks.append(Risk(
            "promotion_on_unsettled_orders", "medium", "Art. 7",
            "付款即晋升和计奖，退款后晋升不撤销。"
            " Promotion and rewards happen at payment, before the order settles, and survive refunds.",
        ))
    return sorted(risks, key=lambda r: (SEVERITY_ORDER[r.severity], r.code))


def guide_pay_risks(*, commission_percent: Decimal, team_percent: Decimal) -> list[Risk]:
    """The compliance review of a merchant's guide pay (导购提成 / 团队管理奖励, docs/o2o.md).

    A commission on a guide's own sales is sales pay, not a risk. A management reward pays a guide
    on the sales of the promoters the guide invited: pay tied to the sales of people below them,
    i.e. team pay (团队计酬, Art. 7(3)). One level only and capped, it is medium and must be
    acknowledged; the cap itself is enforced by `guide_pay.TEAM_PERCENT_MAX`.
    """
    risks: list[Risk] = []
    if team_percent > 0:
        risks.append(Risk(
            "team_pay", "medium", "Art. 7(3)",
            f"团队管理奖励按导购邀请的推广员的销售额的 {team_percent}% 计酬，属于团队计酬（仅限一级，不向下延伸）。"
            f" The management reward pays {team_percent}% of the sales of the promoters a guide invited:"
            " team pay, one level only.",
        ))
    if commission_percent + team_percent > 30:
        risks.append(Risk(
            "high_cap", "medium", "Art. 7",
            "导购提成与管理奖励合计高于售价的 30%。 Commission and management reward exceed 30% of the price.",
        ))
    return sorted(risks, key=lambda r: (SEVERITY_ORDER[r.severity], r.code))


def invite_campaign_risks(*, counts: str, product_ids: Collection[int],
                          qualifying_ids: Collection[int]) -> list[Risk]:
    """The compliance review of an invite campaign (阶梯邀请, chain21.md §7), next to the plan's.

    A campaign whose tiers count first orders of a 2+1 entry package (a qualifying product) pays
    a prize for every N people who bought their way in: headcount pay under Art. 7(1) (以发展人员
    数量为依据计酬). It is high, and activation refuses it (`invite_headcount_pay`), always. A
    campaign that counts any first order at all may count package purchases too: medium, shown
    to the merchant, not refused.
    """
    risks: list[Risk] = []
    packages = sorted(set(product_ids) & set(qualifying_ids))
    if counts == "products" and packages:
        risks.append(Risk(
            "invite_headcount_pay", "high", "Art. 7(1)",
            f"邀请奖励按购买 2+1 礼包（商品 {', '.join(map(str, packages))}）的人数计奖，"
            "属于以发展人员数量为依据计酬，不能启用。"
            " The tiers count people who bought a 2+1 entry package: pay by headcount, refused.",
        ))
    elif counts == "first_order" and qualifying_ids:
        risks.append(Risk(
            "invite_counts_package_orders", "medium", "Art. 7(1)",
            "任何首单都计入邀请人数，包括购买 2+1 礼包的首单；建议改为指定商品计入。"
            " Any first order counts, a package purchase included; consider counting named products.",
        ))
    return sorted(risks, key=lambda r: (SEVERITY_ORDER[r.severity], r.code))
