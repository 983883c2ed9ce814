"""Synthetic scenario files (docs/specs/scenarios.md) of any size, for load and proof runs.

    linkmall scenario generate --users 1000 --orders 3000 --seed 7 > var/story.yaml

The same arguments give the same file, byte for byte. The story: a few seeded bosses, then
users who each bind to an earlier user (mostly a recent one, so invite chains grow deep as well
as wide), orders by users already known — the package (礼包) for most first orders, everyday
products after — with partial and whole refunds of earlier orders, the clock moving on in small
steps, and withdrawals by bosses. It ends eight days after the last order, so everything
settles. Withdrawals may ask for more than is available; the runner lists those as `rejected`.

Lines are written one step per line, in YAML flow style, without a YAML library: a file of
400,000 steps is written in seconds.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass

from linkmall.referral.plans import PROFILES

START = "2026-01-01T10:00:00+08:00"
PRODUCTS = (
    # id, supplier, price, cost, pool, qualifying
    ("GIFT", "S1", "499.00", "150.00", "300.00", True),
    ("TEA", "S1", "99.00", "50.00", "20.00", False),
    ("SOAP", "S2", "39.90", "20.00", "8.00", False),
)


@dataclass(frozen=True)
class Shape:
    """How the story is mixed; the defaults give a plausible mall."""

    boss_share: float = 0.01  # seeded bosses, at least one
    recent_referrer_share: float = 0.5  # a new user binds to one of the last few users
    refund_share: float = 0.04  # of orders, a later refund of part or all of an earlier order
    withdraw_every: int = 200  # orders between two withdrawal attempts
    advance_every: int = 50  # orders between two moves of the clock (a few hours)


def scenario_generate(*, users: int, orders: int, seed: int, profile: str = "classic",
                      shape: Shape = Shape()) -> Iterator[str]:
    """The lines of a scenario file, in order (each ends with a newline)."""
    if users < 1 or orders < 0:
        raise ValueError("users must be ≥ 1 and orders ≥ 0")
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(sorted(PROFILES))}")
    rng = random.Random(seed)
    yield f"# generated: linkmall scenario generate --users {users} --orders {orders} --seed {seed} --profile {profile}\n"
    yield f'start: "{START}"\n'
    yield f"plan: {{profile: {profile}}}\n"
    yield "steps:\n"
    yield "  - supplier: {id: S1}\n"
    yield "  - supplier: {id: S2}\n"
    yield "  - merchant: {id: M1}\n"
    for pid, supplier, price, cost, pool, qualifying in PRODUCTS:
        yield (f'  - product: {{id: {pid}, supplier: {supplier}, merchant: M1, price: "{price}", cost: "{cost}", '
               f'pool: "{pool}", qualifying: {"true" if qualifying else "false"}, stock: 10000000}}\n')

    bosses = max(1, int(users * shape.boss_share))
    declared: list[str] = []
    boss_ids: list[str] = []
    bought: set[str] = set()
    placed: list[tuple[str, dict[str, int]]] = []  # order id → what is left of each product
    users_per_order = users / orders if orders else float(users)
    next_user = 0

    def new_user() -> str:
        nonlocal next_user
        uid = f"u{next_user}"
        next_user += 1
        if len(boss_ids) < bosses:
            boss_ids.append(uid)
            line = f"  - user: {{id: {uid}, level: boss}}\n"
        else:
            if rng.random() < shape.recent_referrer_share:
                referrer = declared[-1 - rng.randrange(min(5, len(declared)))]
            else:
                referrer = declared[rng.randrange(len(declared))]
            line = f"  - user: {{id: {uid}, referrer: {referrer}}}\n"
        declared.append(uid)
        return line

    for number in range(orders):
        # users join at the pace of the orders, so early orders meet a small mall
        while next_user < users and next_user < max(1, int((number + 1) * users_per_order)):
            yield new_user()
        buyer = declared[rng.randrange(len(declared))]
        lines = _order_lines(rng, first=buyer not in bought)
        bought.add(buyer)
        oid = f"o{number}"
        placed.append((oid, dict(lines)))
        text = ", ".join(f"{{product: {p}, qty: {q}}}" for p, q in lines)
        yield f"  - order: {{id: {oid}, user: {buyer}, lines: [{text}]}}\n"
        if placed and rng.random() < shape.refund_share:
            yield from _refund(rng, placed)
        if (number + 1) % shape.advance_every == 0:
            yield f"  - advance: {{hours: {rng.randint(1, 12)}}}\n"
        if (number + 1) % shape.withdraw_every == 0 and boss_ids:
            yield f'  - withdraw: {{user: {rng.choice(boss_ids)}, amount: "{rng.choice((100, 200, 500))}.00"}}\n'
    while next_user < users:
        yield new_user()
    yield "  - advance: {days: 8}\n"


def _order_lines(rng: random.Random, *, first: bool) -> list[tuple[str, int]]:
    if first and rng.random() < 0.7:
        return [("GIFT", 1)]
    lines = []
    for pid, chance in (("GIFT", 0.15), ("TEA", 0.6), ("SOAP", 0.5)):
        if rng.random() < chance:
            lines.append((pid, rng.randint(1, 3)))
    return lines or [("TEA", 1)]


def _refund(rng: random.Random, placed: list[tuple[str, dict[str, int]]]) -> Iterator[str]:
    oid, left = placed[rng.randrange(len(placed))]
    products = [p for p, q in left.items() if q > 0]
    if not products:
        return
    if rng.random() < 0.3:  # the whole order
        left.update(dict.fromkeys(left, 0))
        yield f"  - refund: {{order: {oid}}}\n"
        return
    product = rng.choice(products)
    qty = rng.randint(1, left[product])
    left[product] -= qty
    yield f"  - refund: {{order: {oid}, lines: [{{product: {product}, qty: {qty}}}]}}\n"


def scenario_text(*, users: int, orders: int, seed: int, profile: str = "classic") -> str:
    return "".join(scenario_generate(users=users, orders=orders, seed=seed, profile=profile))
