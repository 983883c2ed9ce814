"""Ninety days of shopping, replayed in time order with the clock moved to each moment.

Each order is placed with `order_place`, paid through the sandbox gateway (`payment_start`, then
a signed notification into `payment_handle_notification`, exactly as the gateway would call
us), shipped by each supplier, and received by the buyer or left to the auto-receive timer. A
few orders are never paid (their expiry task cancels them) and a few are refunded.
"""

import heapq
import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from linkmall.core import clock

if TYPE_CHECKING:
    from linkmall.accounts.models import User
    from linkmall.customers.models import Address
    from linkmall.demo.services import DemoWorld
    from linkmall.orders.models import Order
    from linkmall.stores.models import Guide, Merchant, Store

_T = TypeVar("_T")

#: carrier codes of orders.services.CARRIERS (顺丰, 中通, 圆通, 韵达, 京东)
CARRIERS = ("SF", "ZTO", "YTO", "YD", "JD")
#: how many orders a consumer placed over the period, and how likely each count is (percent)
ORDERS_PER_CONSUMER = ((0, 12), (1, 30), (2, 26), (3, 16), (4, 10), (6, 6))


@dataclass
class PlannedOrder:
    buyer: "User"
    address: "Address"
    merchant: "Merchant"
    store: "Store | None"
    guide: "Guide | None"
    lines: list[tuple[int, int]]
    placed_at: datetime
    pays: bool
    refund: bool
    ship_after: timedelta
    receive_after: timedelta | None  # None: the buyer never confirms; auto-receive does it
    order: "Order | None" = None

    def placed(self) -> "Order":
        """The order, once `place` has placed it; every later event of the order needs it."""
        if self.order is None:
            raise RuntimeError(f"the order planned at {self.placed_at} has not been placed")
        return self.order


def _weighted(rng: random.Random, pairs: Sequence[tuple[_T, int]]) -> _T:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def plan_orders(world: "DemoWorld", *, days: int, now: datetime) -> list[PlannedOrder]:
    rng = world.rng
    plans = []
    merchants = world.merchants
    for buyer, address in world.consumers:
        home = rng.choices(merchants, weights=[5, 3, 4][: len(merchants)] or None)[0]
        for _ in range(_weighted(rng, ORDERS_PER_CONSUMER)):
            merchant, _owner, _definition, stores, guides = home if rng.random() < 0.85 else rng.choice(merchants)
            listings = world.listings[merchant.pk]
            chosen = rng.sample(listings, rng.choice((1, 1, 1, 2, 2, 3)))
            guide = rng.choice(guides) if rng.random() < 0.7 else None
            placed_at = now - timedelta(days=days) + timedelta(seconds=rng.randrange(days * 86400 - 3600))
            # shops are busier in the evening: pull the time of day toward 20:00 Beijing time
            # (moved forward, never back: an order never falls before the period starts)
            placed_at += timedelta(hours=rng.choice((0, 0, 2, 4, 6)))
            if placed_at >= now - timedelta(minutes=30):
                placed_at = now - timedelta(hours=1)
            plans.append(PlannedOrder(
                buyer=buyer, address=address, merchant=merchant,
                store=guide.store if guide else rng.choice(stores) if rng.random() < 0.5 else None,
                guide=guide,
                lines=[(listing.pk, rng.choice((1, 1, 1, 2, 3))) for listing in sorted(chosen, key=lambda x: x.pk)],
                placed_at=placed_at,
                pays=rng.random() >= 0.04,
                refund=rng.random() < 0.05,
                ship_after=timedelta(hours=rng.randint(4, 40)),
                receive_after=(None if rng.random() < 0.25
                               else timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 12))),
            ))
    return plans


def step_history(world: "DemoWorld", *, days: int) -> None:
    from linkmall.demo.traces import Traces

    now = clock.now()
    plans = plan_orders(world, days=days, now=now)
    traces = Traces(world)
    traces.load_referrers()
    counter = itertools.count()
    events: list[tuple[datetime, int, Callable[[], None]]] = []

    def at(when: datetime, action: Callable[[], None]) -> None:
        if when < now:
            heapq.heappush(events, (when, next(counter), action))

    staff_by_supplier = {supplier.pk: staff for supplier, staff, _definition in world.suppliers}
    stats = {"orders": 0, "paid": 0, "shipped": 0, "received": 0, "refunded": 0}

    def place(plan: PlannedOrder) -> None:
        from linkmall.orders.services import order_place

        plan.order = order_place(
            buyer=plan.buyer, merchant=plan.merchant, lines=plan.lines, address=plan.address,
            client_token=f"demo-{next(counter)}", store=plan.store, guide=plan.guide,
        )
        stats["orders"] += 1
        if not plan.pays:
            return
        at(plan.placed_at + timedelta(minutes=world.rng.randint(1, 8)), lambda: pay(plan))

    def pay(plan: PlannedOrder) -> None:
        from linkmall.demo.sandbox import pay_in_sandbox

        pay_in_sandbox(buyer=plan.buyer, order=plan.placed())
        stats["paid"] += 1
        paid_at = clock.now()
        if plan.refund:
            at(paid_at + timedelta(hours=world.rng.randint(1, 20)), lambda: refund(plan))
            return
        at(paid_at + plan.ship_after, lambda: ship(plan))

    def refund(plan: PlannedOrder) -> None:
        from linkmall.payments.services import refund_create

        order = plan.placed()
        refund_create(actor=world.operator(), order=order, lines=None, reason="买家协商一致退款（演示数据）",
                      idempotency_key=f"demo-refund-{order.pk}")
        stats["refunded"] += 1

    def ship(plan: PlannedOrder) -> None:
        from linkmall.orders.services import fulfilment_ship

        for fulfilment in plan.placed().fulfilments.order_by("pk"):
            fulfilment_ship(actor=staff_by_supplier[fulfilment.supplier_id], fulfilment=fulfilment,
                            carrier=world.rng.choice(CARRIERS),
                            tracking_number=f"SF{world.rng.randrange(10**12):012d}")
        stats["shipped"] += 1
        if plan.receive_after is not None:
            at(clock.now() + plan.receive_after, lambda: receive(plan))

    def receive(plan: PlannedOrder) -> None:
        from linkmall.orders.services import order_confirm_receipt

        order = plan.placed()
        order.refresh_from_db()
        order_confirm_receipt(actor=plan.buyer, order=order)
        stats["received"] += 1

    def browse(plan: PlannedOrder) -> None:
        # the buyer looked at the guide's card and the products, and at one or two others, first
        listings = world.listings[plan.merchant.pk]
        bought = [listing.product_id for listing in listings if listing.pk in {pk for pk, _q in plan.lines}]
        others = [listing.product_id for listing in world.rng.sample(listings, 2)]
        traces.browse(user=plan.buyer, merchant=plan.merchant, store=plan.store, guide=plan.guide,
                      product_ids=list(dict.fromkeys(others[: world.rng.randint(0, 2)] + bought)))

    def window_shop(user: "User", merchant: "Merchant", guides: "list[Guide]") -> None:
        guide = world.rng.choice(guides)
        listings = world.rng.sample(world.listings[merchant.pk], world.rng.randint(1, 3))
        traces.browse(user=user, merchant=merchant, store=guide.store, guide=guide,
                      product_ids=list(dict.fromkeys(listing.product_id for listing in listings)))

    for plan in plans:
        at(plan.placed_at - timedelta(minutes=world.rng.randint(3, 90)), partial(browse, plan))
        at(plan.placed_at, partial(place, plan))
    # most people look more often than they buy, and some only look
    for user, _address in world.consumers:
        merchant, _owner, _definition, _stores, guides = world.rng.choice(world.merchants)
        for _ in range(world.rng.choice((0, 1, 1, 2, 3))):
            when = now - timedelta(days=days) + timedelta(seconds=world.rng.randrange(days * 86400 - 3600))
            at(when, partial(window_shop, user, merchant, guides))
    try:
        while events:
            when, _seq, action = heapq.heappop(events)
            clock.freeze(when)
            action()
    finally:
        clock.reset()
    world.counts.update({f"history_{k}": v for k, v in stats.items()})
    world.counts["events"] = traces.events
