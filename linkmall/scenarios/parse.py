"""Scenario files (docs/specs/scenarios.md): read and check a whole file before anything runs.

A malformed file — bad YAML, an unknown action or key, a missing field, a field that means
nothing for its step, an id that names nothing — is refused with a message naming the step. Only
the buyer of an `order` may be a new user.

A seeded agent's team owner must be a boss. When the file itself shows the named user cannot be
a boss by that step, the file is malformed; otherwise the runner's service checks it.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import NoReturn

import yaml

from linkmall.core.errors import DomainError
from linkmall.core.money import yuan_to_fen
from linkmall.referral.plans import Plan
from linkmall.stores.pricing import listing_price_allowed


class ScenarioError(Exception):
    """The file is malformed; the message names the step."""


@dataclass(frozen=True)
class Step:
    index: int  # 1-based, as people count steps
    action: str
    args: dict


@dataclass
class Scenario:
    start: datetime | None
    plan: dict
    steps: list[Step] = field(default_factory=list)


# action → (required keys, optional keys)
ACTIONS: dict[str, tuple[frozenset, frozenset]] = {
    "supplier": (frozenset({"id"}), frozenset({"name"})),
    "merchant": (frozenset({"id"}), frozenset({"name"})),
    "product": (frozenset({"id", "supplier", "merchant", "price", "cost"}),
                frozenset({"pool", "qualifying", "stock", "name"})),
    "user": (frozenset({"id"}), frozenset({"referrer", "level", "team_owner"})),
    "order": (frozenset({"id", "user", "lines"}), frozenset({"via", "coupon", "points", "flash", "group", "join"})),
    "refund": (frozenset({"order"}), frozenset({"lines"})),
    "advance": (frozenset(), frozenset({"days", "hours", "minutes"})),
    "withdraw": (frozenset({"user", "amount"}), frozenset()),
    "settle": (frozenset(), frozenset()),
    "coupon": (frozenset({"id", "merchant", "kind", "value", "total"}),
               frozenset({"threshold", "max_discount", "funder", "per_user", "valid_days", "products",
                          "accept_loss"})),
    "claim": (frozenset({"user", "coupon"}), frozenset()),
    "points": (frozenset({"user", "add"}), frozenset({"merchant"})),
    "flash": (frozenset({"id", "product", "price", "stock"}),
              frozenset({"per_user", "hours", "payment_minutes", "funder", "rewards", "accept_loss"})),
    "group": (frozenset({"id", "product", "price", "size"}),
              frozenset({"hours", "stock", "per_user", "leader_discount", "virtual_fill", "funder", "rewards",
                         "accept_loss"})),
}
LEVELS = ("member", "agent", "boss")
COUPON_KINDS = ("amount", "percent")
FUNDERS = ("merchant", "platform")
#: a coupon's validity when the file does not say: days after the claim
VALID_DAYS_DEFAULT = 30


def _fail(step: int | None, message: str) -> NoReturn:
    where = f"step {step}" if step is not None else "scenario"
    raise ScenarioError(f"{where}: {message}")


def _amount(step: int, args: dict, key: str, *, allow_zero: bool = True) -> int:
    value = args[key]
    if isinstance(value, float):
        value = repr(value)  # YAML read 499.00 as a float; its text is still an exact amount
    try:
        fen = yuan_to_fen(value, field=key)
    except DomainError as exc:
        _fail(step, exc.message)
    if fen < 0 or (fen == 0 and not allow_zero):
        _fail(step, f"{key} must be {'≥ 0' if allow_zero else '> 0'}")
    return fen


def _whole(step: int, value, key: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        _fail(step, f"{key} must be a whole number ≥ {minimum}")
    return value


def parse_scenario(text: str) -> Scenario:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"scenario: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(doc, dict):
        _fail(None, "the file must be a mapping with `steps`")
    unknown = sorted(set(doc) - {"start", "plan", "steps"})
    if unknown:
        _fail(None, f"unknown top-level key(s): {', '.join(map(str, unknown))}")
    start = doc.get("start")
    if start is not None:
        if isinstance(start, str):
            try:
                start = datetime.fromisoformat(start)
            except ValueError:
                _fail(None, f"start is not an ISO date-time: {start!r}")
        if not isinstance(start, datetime) or start.tzinfo is None:
            _fail(None, "start must be an ISO date-time with a UTC offset, e.g. 2026-01-01T10:00:00+08:00")
    plan = doc.get("plan") or {}
    if not isinstance(plan, dict):
        _fail(None, "plan must be a mapping")
    try:
        Plan.parse(plan)
    except DomainError as exc:
        _fail(None, f"plan: {exc.message}")
    raw_steps = doc.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        _fail(None, "steps must be a non-empty list")
    slide_count = Plan.parse(plan).slide_count

    known: dict[str, set[str]] = {"supplier": set(), "merchant": set(), "product": set(), "user": set(), "order": set(),
                                  "coupon": set(), "flash": set(), "group": set()}
    product_of: dict[str, str] = {}  # flash or group id → its product
    group_of: dict[str, str] = {}  # order id → the group activity it opened or joined
    merchant_of: dict[str, str] = {}  # product id → the merchant that sells it
    bosses = _Bosses(slide_count)
    steps = []
    for index, raw in enumerate(raw_steps, start=1):
        if not isinstance(raw, dict) or len(raw) != 1:
            _fail(index, "each step is a mapping with exactly one action, e.g. `- order: {...}`")
        (action, args), = raw.items()
        if action not in ACTIONS:
            _fail(index, f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
        args = args or {}
        if not isinstance(args, dict):
            _fail(index, f"{action}: its fields must be a mapping")
        required, optional = ACTIONS[action]
        missing = sorted(required - set(args))
        if missing:
            _fail(index, f"{action}: missing field(s): {', '.join(missing)}")
        extra = sorted(set(args) - required - optional)
        if extra:
            _fail(index, f"{action}: unknown field(s): {', '.join(map(str, extra))}")
        args = {k: (str(v) if k in ("id", "user", "supplier", "merchant", "referrer", "team_owner", "order", "via",
                                    "coupon", "product", "flash", "group", "join")
                    and v is not None and not isinstance(v, (dict, list)) else v) for k, v in args.items()}

        def need(kind: str, key: str, *, _args=args, _index=index, _action=action) -> None:
            if _args.get(key) is not None and _args[key] not in known[kind]:
                _fail(_index, f"{_action}: {key} {_args[key]!r} names no {kind}")

        def new_id(kind: str, *, _args=args, _index=index, _action=action) -> None:
            if _args["id"] in known[kind]:
                _fail(_index, f"{_action}: id {_args['id']!r} is already used")
            known[kind].add(_args["id"])

        if action in ("supplier", "merchant"):
            new_id(action)
        elif action == "product":
            need("supplier", "supplier")
            need("merchant", "merchant")
            args["price_fen"] = _amount(index, args, "price", allow_zero=False)
            args["cost_fen"] = _amount(index, args, "cost")
            args["pool_fen"] = _amount(index, args, "pool") if "pool" in args else 0
            if not listing_price_allowed(price_fen=args["price_fen"], cost_fen=args["cost_fen"]):
                _fail(index, "product: cost is above price")
            if args["pool_fen"] > args["price_fen"] - args["cost_fen"]:
                _fail(index, "product: pool is above price − cost")
            if not isinstance(args.get("qualifying", False), bool):
                _fail(index, "product: qualifying must be true or false")
            if "stock" in args:
                _whole(index, args["stock"], "stock", minimum=0)
            new_id("product")
            merchant_of[args["id"]] = args["merchant"]
        elif action == "user":
            need("user", "referrer")
            need("user", "team_owner")
            level = args.get("level", "member")
            if level not in LEVELS:
                _fail(index, f"user: level must be one of {', '.join(LEVELS)}")
            owner = args.get("team_owner")
            if level == "boss" and owner is not None:
                _fail(index, "user: a boss is in no team")
            if level == "member" and owner is not None:
                _fail(index, "user: team_owner is only for level: agent (a member is in no team)")
            if owner is not None and not bosses.may_be_boss(owner):
                _fail(index, f"user: team_owner {owner!r} cannot be a boss by this step (every team owner is a boss)")
            new_id("user")
            bosses.user(args["id"], level=level, referrer=args.get("referrer"), seeded=owner is not None)
        elif action == "order":
            need("user", "via")
            need("coupon", "coupon")
            if "points" in args:
                _whole(index, args["points"], "points", minimum=0)
            lines = args["lines"]
            if not isinstance(lines, list) or not lines:
                _fail(index, "order: lines must be a non-empty list")
            args["lines"] = [_line(index, "order", line, known) for line in lines]
            _activity_order(index, args, known, product_of, group_of)
            if args["id"] in known["order"]:
                _fail(index, f"order: id {args['id']!r} is already used")
            known["order"].add(args["id"])
            known["user"].add(args["user"])  # the buyer of an order may be new
            bosses.order(args["user"], via=args.get("via"))
        elif action == "refund":
            need("order", "order")
            if "lines" in args:
                if not isinstance(args["lines"], list) or not args["lines"]:
                    _fail(index, "refund: lines must be a non-empty list")
                args["lines"] = [_line(index, "refund", line, known) for line in args["lines"]]
        elif action == "advance":
            if not args:
                _fail(index, "advance: give days, hours or minutes")
            for key in args:
                _whole(index, args[key], key, minimum=0)
        elif action == "withdraw":
            need("user", "user")
            args["amount_fen"] = _amount(index, args, "amount", allow_zero=False)
        elif action == "coupon":
            need("merchant", "merchant")
            _coupon(index, args, merchant_of)
            new_id("coupon")
        elif action == "claim":
            need("user", "user")
            need("coupon", "coupon")
        elif action == "points":
            need("user", "user")
            _whole(index, args["add"], "add", minimum=1)
            if args.get("merchant") is not None:
                need("merchant", "merchant")
            elif len(known["merchant"]) == 1:
                (args["merchant"],) = known["merchant"]
            else:
                declared = ", ".join(sorted(known["merchant"])) or "none yet"
                _fail(index, f"points: name the merchant the points are at (merchants: {declared})")
        elif action in ("flash", "group"):
            need("product", "product")
            _activity(index, action, args)
            new_id(action)
            product_of[args["id"]] = args["product"]
        steps.append(Step(index, action, args))
    return Scenario(start=start, plan=plan, steps=steps)


class _Bosses:
    """Who may be a boss by a given step, as far as the file shows (chain21.md §2).

    A user is a boss when seeded as one, or once `slide_count` of its referrals entered as agents
    while it was an agent. Counted generously — every referral that may be bound to it and may
    enter, by an order or a `user` step with `level: agent` and no team owner, whenever — so a
    user said not to be a boss certainly is not one; the runner checks the rest.
    """

    def __init__(self, slide_count: int) -> None:
        self.slide_count = slide_count
        self.seeded: set[str] = set()
        self.referrers: dict[str, set[str]] = {}
        self.entering: set[str] = set()

    def may_be_boss(self, user: str) -> bool:
        if user in self.seeded:
            return True
        referrals = {r for r in self.entering if user in self.referrers.get(r, ())}
        return len(referrals) >= self.slide_count

    def user(self, user: str, *, level: str, referrer: str | None, seeded: bool) -> None:
        if level == "boss":
            self.seeded.add(user)
        if referrer is not None:
            self.referrers.setdefault(user, set()).add(referrer)
        if level == "agent" and not seeded:
            self.entering.add(user)

    def order(self, buyer: str, *, via: str | None) -> None:
        if via is not None:
            self.referrers.setdefault(buyer, set()).add(via)
        self.entering.add(buyer)


def _coupon(index: int, args: dict, merchant_of: dict[str, str]) -> None:
    """Check a `coupon` step and add its terms in the units the services take."""
    kind = args["kind"]
    if kind not in COUPON_KINDS:
        _fail(index, f"coupon: kind must be one of {', '.join(COUPON_KINDS)}")
    if kind == "amount":
        args["value_off"] = _amount(index, args, "value", allow_zero=False)
    else:
        args["value_off"] = _percent(index, args["value"])
    args["threshold_fen"] = _amount(index, args, "threshold") if "threshold" in args else 0
    args["max_discount_fen"] = None
    if "max_discount" in args:
        if kind != "percent":
            _fail(index, "coupon: max_discount is only for kind: percent")
        args["max_discount_fen"] = _amount(index, args, "max_discount", allow_zero=False)
    if args.get("funder", "merchant") not in FUNDERS:
        _fail(index, f"coupon: funder must be one of {', '.join(FUNDERS)}")
    _whole(index, args["total"], "total", minimum=1)
    _whole(index, args.get("per_user", 1), "per_user", minimum=1)
    _whole(index, args.get("valid_days", VALID_DAYS_DEFAULT), "valid_days", minimum=1)
    if not isinstance(args.get("accept_loss", False), bool):
        _fail(index, "coupon: accept_loss must be true or false")
    if "products" in args:
        products = args["products"]
        if not isinstance(products, list) or not products:
            _fail(index, "coupon: products must be a non-empty list of product ids")
        args["products"] = [str(p) for p in products]
        for product in args["products"]:
            if product not in merchant_of:
                _fail(index, f"coupon: product {product!r} names no product")
            if merchant_of[product] != args["merchant"]:
                _fail(index, f"coupon: product {product!r} is not sold by merchant {args['merchant']!r}")


def _activity(index: int, action: str, args: dict) -> None:
    """Check a `flash` or `group` step and add its terms in the units the services take."""
    args["price_fen"] = _amount(index, args, "price", allow_zero=False)
    if action == "flash":
        _whole(index, args["stock"], "stock", minimum=1)
        _whole(index, args.get("payment_minutes", 5), "payment_minutes", minimum=1)
    else:
        _whole(index, args["size"], "size", minimum=2)
        if "stock" in args:
            _whole(index, args["stock"], "stock", minimum=1)
        args["leader_discount_fen"] = _amount(index, args, "leader_discount") if "leader_discount" in args else 0
        if "virtual_fill" in args:
            _whole(index, args["virtual_fill"], "virtual_fill", minimum=1)
            if args["virtual_fill"] > 99:
                _fail(index, "group: virtual_fill is a percent of the group, below 100")
    _whole(index, args.get("per_user", 1), "per_user", minimum=1)
    _whole(index, args.get("hours", 2 if action == "flash" else 24), "hours", minimum=1)
    if args.get("funder", "merchant") not in FUNDERS:
        _fail(index, f"{action}: funder must be one of {', '.join(FUNDERS)}")
    for flag in ("rewards", "accept_loss"):
        if not isinstance(args.get(flag, False), bool):
            _fail(index, f"{action}: {flag} must be true or false")


def _activity_order(index: int, args: dict, known: dict[str, set[str]], product_of: dict[str, str],
                    group_of: dict[str, str]) -> None:
    """An order of a flash sale or a group buy: one line, of the activity's product."""
    activity = "flash" if args.get("flash") is not None else "group" if args.get("group") is not None else None
    if args.get("join") is not None and activity != "group":
        _fail(index, "order: join is only for an order of a group (give group: too)")
    if activity is None:
        return
    if args.get("flash") is not None and args.get("group") is not None:
        _fail(index, "order: an order is of one activity: flash or group, not both")
    name = args[activity]
    if name not in known[activity]:
        _fail(index, f"order: {activity} {name!r} names no {activity}")
    if len(args["lines"]) != 1 or args["lines"][0]["product"] != product_of[name]:
        _fail(index, f"order: an order of {activity} {name!r} has one line, of product {product_of[name]!r}")
    if activity == "group" and args["lines"][0]["qty"] != 1:
        _fail(index, "order: an order of a group is one seat: qty 1")
    join = args.get("join")
    if join is not None:
        if join not in known["order"]:
            _fail(index, f"order: join {join!r} names no order")
        if group_of.get(join) != name:
            _fail(index, f"order: join {join!r} is not an order of group {name!r}")
    group_of[args["id"]] = name if activity == "group" else ""


def _percent(index: int, value) -> Decimal:
    """A percent off such as "10%" (9折): above 0, below 100, at most two decimals."""
    text = str(value).strip()
    if not text.endswith("%"):
        _fail(index, f"coupon: a percent value is written like \"10%\" (percent off), not {value!r}")
    try:
        percent = Decimal(text[:-1].strip())
    except InvalidOperation:
        _fail(index, f"coupon: value {value!r} is not a percent")
    if not percent.is_finite() or not 0 < percent < 100 or percent != percent.quantize(Decimal("0.01")):
        _fail(index, "coupon: a percent off is above 0%, below 100%, with at most two decimals")
    return percent


def _line(index: int, action: str, line, known) -> dict:
    if not isinstance(line, dict) or set(line) - {"product", "qty"} or "product" not in line:
        _fail(index, f"{action}: each line is {{product: ID, qty: N}}")
    product = str(line["product"])
    if product not in known["product"]:
        _fail(index, f"{action}: product {product!r} names no product")
    return {"product": product, "qty": _whole(index, line.get("qty", 1), "qty", minimum=1)}
