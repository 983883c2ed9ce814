"""A small mall for the promoter-centre tests: a live classic plan, a seeded boss with earnings.

Orders are placed and paid through the real services (order_place, order_mark_paid, the
referral settlement); the clock is moved and due tasks run, as in production.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache

from linkmall import testing as t
from linkmall.accounts.models import User
from linkmall.core import clock
from linkmall.core.tasks import run_due
from linkmall.orders.models import Order
from linkmall.orders.services import order_mark_paid, order_place
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import QualifyingProduct
from linkmall.referral.services import plan_acknowledge, plan_draft, plan_go_live, promoter_seed
from linkmall.referral.settlement import order_paid
from linkmall.stores.models import Listing, Merchant, Store

START = datetime.fromisoformat("2026-03-02T10:00:00+08:00")
GIFT_PRICE, GIFT_COST, GIFT_POOL = 49900, 15000, 30000


@dataclass
class World:
    merchant: Merchant
    store: Store
    gift: Listing
    operator: User
    tokens: int = 0


def world_open(*, profile: str = "classic") -> World:
    cache.clear()
    clock.freeze(START)
    supplier, merchant = t.make_supplier(), t.make_merchant()
    store = t.make_store(merchant)
    gift = t.make_product(supplier, cost_fen=GIFT_COST, price_fen=GIFT_PRICE, stock=10_000)
    QualifyingProduct.objects.create(product=gift)
    operator = t.make_platform_user()
    plan = plan_draft(actor=operator, config={"profile": profile})
    plan = plan_acknowledge(actor=operator, plan=plan, codes=[r["code"] for r in plan.compliance])
    plan_go_live(actor=operator, plan=plan)
    listing = t.make_listing(merchant, gift.skus.get(), price_fen=GIFT_PRICE, pool_fen=GIFT_POOL)
    return World(merchant=merchant, store=store, gift=listing, operator=operator)


def buy(world: World, buyer: User, quantity: int = 1) -> Order:
    """`buyer` places an order for the package in the store and pays it."""
    world.tokens += 1
    order = order_place(buyer=buyer, merchant=world.merchant, lines=[(world.gift.pk, quantity)],
                        address=t.make_address(buyer), client_token=f"promoter-test-{world.tokens}",
                        store=world.store)
    order_mark_paid(order_id=order.pk, paid_at=clock.now())
    order_paid(order_id=order.pk)
    return order


def boss_with_earnings(world: World, *, invited: int = 1, settle: bool = True, name: str = "") -> tuple[User, list]:
    """A seeded boss whose `invited` referrals each bought the package: 300.00 each (classic:
    100 direct + 200 team). With `settle`, the clock moves past settle_days and it is available."""
    boss = t.make_consumer()
    if name:
        User.objects.filter(pk=boss.pk).update(display_name=name)
        boss.display_name = name
    promoter_seed(user=boss, level="boss")
    buyers = []
    for _ in range(invited):
        buyer = t.make_consumer()
        referral_bind(user=buyer, referrer=boss, via="link")
        buy(world, buyer)
        buyers.append(buyer)
    if settle:
        clock.advance(timedelta(days=8))
        run_due()
    return boss, buyers
