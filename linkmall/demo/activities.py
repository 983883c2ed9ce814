"""The demo's activities (秒杀, 拼团, 砍价) at every merchant, made and bought through the same
services as the pages and the API, at the present of the load:

- a flash sale running now (a day long) and the next 20:00 slot, a few units already sold;
- a group buy (3 人团) with one group complete (its orders go to the supplier to ship) and one group
  waiting for its last member;
- a bargain with one buyer's bargain, helped by one friend so far.

Each activity is on the merchant's listing with the widest margin, so its price stays above cost.
"""

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from linkmall.core import clock

if TYPE_CHECKING:
    from linkmall.demo.services import DemoWorld
    from linkmall.stores.models import Listing

SHANGHAI = ZoneInfo("Asia/Shanghai")
FLASH_STOCK = 20
FLASH_SOLD = 3
#: the activity price as a percent of the listing price
FLASH_PERCENT, GROUP_PERCENT, BARGAIN_FLOOR_PERCENT = 60, 75, 70
GROUP_SIZE = 3
GROUP_STOCK = 30
BARGAIN_HELPERS = 3
#: customers the purchases need at one merchant: flash buyers, a full group and a leader, a
#: bargain's buyer and friend
BUYERS_NEEDED = FLASH_SOLD + GROUP_SIZE + 1 + 2


def _next_evening(now: datetime) -> datetime:
    """The next 20:00 slot in Shanghai at least an hour away."""
    day = now.astimezone(SHANGHAI).date()
    slot = datetime.combine(day, time(20), SHANGHAI)
    return slot if slot - now >= timedelta(hours=1) else slot + timedelta(days=1)


def _widest_margin(world: "DemoWorld", merchant_id: int, *, skip: set[int]) -> "Listing":
    listings = [listing for listing in world.listings[merchant_id] if listing.pk not in skip]
    return max(listings, key=lambda listing: (listing.price_fen - listing.sku.cost_fen, -listing.pk))


def _price(listing: "Listing", percent: int) -> int:
    """percent of the listing price, whole yuan, never below cost + 1 yuan."""
    return max(listing.sku.cost_fen + 100, listing.price_fen * percent // 100 // 100 * 100)


def step_activities(world: "DemoWorld") -> None:
    """A flash sale, a group buy and a bargain at every merchant (see the module docstring)."""
    from linkmall.customers.models import Event

    counts = {"flash_sales": 0, "activity_orders": 0, "group_buys": 0, "bargains": 0}
    # customers who have browsed the mall (every buyer of the demo did, first)
    browsed = set(Event.objects.filter(kind="product_view").values_list("user_id", flat=True))
    consumers = [(user, address) for user, address in world.consumers if user.pk in browsed]
    for index, (merchant, owner, _definition, _stores, _guides) in enumerate(world.merchants):
        # a different few customers take part at each merchant; a tiny demo only shows the activities
        rotation = consumers[index * 7:] + consumers[:index * 7] if len(consumers) >= BUYERS_NEEDED else []
        flash = _widest_margin(world, merchant.pk, skip=set())
        group = _widest_margin(world, merchant.pk, skip={flash.pk})
        bargain = _widest_margin(world, merchant.pk, skip={flash.pk, group.pk})
        counts["flash_sales"] += 2
        counts["activity_orders"] += _flash(merchant=merchant, owner=owner, listing=flash,
                                            buyers=rotation[:FLASH_SOLD])
        counts["group_buys"] += 1
        counts["activity_orders"] += _group(merchant=merchant, owner=owner, listing=group,
                                            buyers=rotation[FLASH_SOLD:FLASH_SOLD + GROUP_SIZE + 1])
        counts["bargains"] += 1
        _bargain(merchant=merchant, owner=owner, listing=bargain, people=[user for user, _ in rotation[-2:]])
    world.counts.update(counts)


def _flash(*, merchant, owner, listing: "Listing", buyers) -> int:
    from linkmall.campaigns.services.flash import FlashSaleFields, flash_sale_create
    from linkmall.demo.sandbox import pay_in_sandbox
    from linkmall.orders.flash import flash_attempt

    now = clock.now()
    price = _price(listing, FLASH_PERCENT)
    running = flash_sale_create(actor=owner, merchant=merchant, fields=FlashSaleFields(
        listing_id=listing.pk, name="今日秒杀", starts_at=now, ends_at=now + timedelta(days=1), price_fen=price,
        stock=FLASH_STOCK, per_user_limit=1))
    evening = _next_evening(now)
    flash_sale_create(actor=owner, merchant=merchant, fields=FlashSaleFields(
        listing_id=listing.pk, name="20:00 场", starts_at=evening, ends_at=evening + timedelta(hours=2),
        price_fen=price, stock=FLASH_STOCK, per_user_limit=1))
    for user, address in buyers:
        order = flash_attempt(buyer=user, sale_id=running.pk, address=address,
                              client_token=f"demo-flash-{running.pk}-{user.pk}")
        pay_in_sandbox(buyer=user, order=order)
    return len(buyers)


def _group(*, merchant, owner, listing: "Listing", buyers) -> int:
    """A 3 人团: the first buyers form a complete group, the last one leads a group still open."""
    from linkmall.campaigns.models import GroupBuyMember
    from linkmall.campaigns.services.group import GroupBuyFields, group_buy_create
    from linkmall.demo.sandbox import pay_in_sandbox
    from linkmall.orders.group import group_join_attempt, group_open_attempt

    now = clock.now()
    price = _price(listing, GROUP_PERCENT)
    activity = group_buy_create(actor=owner, merchant=merchant, fields=GroupBuyFields(
        listing_id=listing.pk, name=f"{GROUP_SIZE} 人团 · 拼团价", size=GROUP_SIZE, price_fen=price, stock=GROUP_STOCK,
        starts_at=now, ends_at=now + timedelta(days=30), hours=24))
    if not buyers:
        return 0
    group_id = None
    for index, (user, address) in enumerate(buyers):
        token = f"demo-group-{activity.pk}-{user.pk}"
        if index in (0, GROUP_SIZE):  # the complete group's leader, then the open group's
            order = group_open_attempt(buyer=user, activity_id=activity.pk, address=address, client_token=token)
            group_id = GroupBuyMember.objects.get(order_id=order.pk).group_id
        else:
            assert group_id is not None
            order = group_join_attempt(buyer=user, group_id=group_id, address=address, client_token=token)
        pay_in_sandbox(buyer=user, order=order)
    return len(buyers)


def _bargain(*, merchant, owner, listing: "Listing", people) -> None:
    from linkmall.campaigns.services.bargain import (
        BargainFields,
        bargain_activity_create,
        bargain_help,
        bargain_start,
    )

    now = clock.now()
    activity = bargain_activity_create(actor=owner, merchant=merchant, fields=BargainFields(
        listing_id=listing.pk, name="好友帮砍 · 砍到底价", floor_fen=_price(listing, BARGAIN_FLOOR_PERCENT),
        helpers_needed=BARGAIN_HELPERS, starts_at=now, ends_at=now + timedelta(days=30), hours=48))
    if people:
        buyer, friend = people
        bargain = bargain_start(buyer=buyer, activity_id=activity.pk)
        bargain_help(helper=friend, bargain_id=bargain.pk)
