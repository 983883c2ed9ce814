"""The demo's offline half (docs/o2o.md) at every merchant, through the same services as the pages:

- guide pay: every merchant pays its guides a 3 % commission, set before the order history so the
  guides' orders in it earn it (pending or settled by now, as the orders are);
- an in-store coupon (到店核销 · 10 元无门槛) that a few customers claimed online, two of them
  already redeemed at the first store by its guide with the in-store purchase recorded;
- pick-up orders (到店自提) at the first store: the supplier shipped them to the store and the store
  received them, three wait at the counter with their codes and one was collected, which earned the
  guide who handed it over its commission.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linkmall.demo.services import DemoWorld
    from linkmall.stores.models import Guide, Store

COMMISSION_PERCENT = "3"
IN_STORE_COUPON = {"name": "到店核销 · 10 元无门槛", "kind": "amount", "value": 1000, "total": 500,
                   "per_user_limit": 1, "valid_days": 14, "sources": ["claim", "guide"], "in_store": True}
IN_STORE_CLAIMS, IN_STORE_REDEEMED = 5, 2
#: what the redeeming customers spent in the store, in fen
IN_STORE_PURCHASES = (8800, 15600)
PICKUPS_WAITING, PICKUPS_COLLECTED = 3, 1


def step_guide_pay(world: "DemoWorld") -> None:
    from linkmall.referral.guide_pay import terms_set

    for merchant, owner, _definition, _stores, _guides in world.merchants:
        terms_set(actor=owner, merchant_id=merchant.pk, commission_percent=COMMISSION_PERCENT, team_percent="0")
    world.counts["guide_pay_merchants"] = len(world.merchants)


def _store_and_guide(stores: "list[Store]", guides: "list[Guide]") -> "tuple[Store, Guide]":
    for store in stores:
        for guide in guides:
            if guide.store_id == store.pk:
                return store, guide
    raise RuntimeError("the demo merchant has no guide in any store")


def step_o2o(world: "DemoWorld") -> None:
    """In-store coupons and pick-up orders at every merchant (see the module docstring)."""
    from linkmall.aftersales.services.redemption import pickup_parcel_received, redeem_code
    from linkmall.campaigns.models import Coupon
    from linkmall.campaigns.services import coupon_claim, coupon_template_create, coupon_template_set_status
    from linkmall.demo.sandbox import pay_in_sandbox
    from linkmall.orders.services import fulfilment_ship, order_place

    staff_of = {supplier.pk: staff for supplier, staff, _definition in world.suppliers}
    counts = {"in_store_templates": 0, "in_store_claimed": 0, "in_store_redeemed": 0, "pickup_orders": 0,
              "pickups_waiting": 0, "pickups_collected": 0}
    from linkmall.customers.models import Event

    # customers who have browsed the mall (every buyer of the demo did, first)
    browsed = set(Event.objects.filter(kind="product_view").values_list("user_id", flat=True))
    consumers = [(user, address) for user, address in world.consumers if user.pk in browsed]
    for index, (merchant, owner, _definition, stores, guides) in enumerate(world.merchants):
        store, guide = _store_and_guide(stores, guides)
        # a different few customers at each merchant
        people = (consumers[index * 5:] + consumers[:index * 5])[:max(IN_STORE_CLAIMS, PICKUPS_WAITING + PICKUPS_COLLECTED)]
        template = coupon_template_create(actor=owner, merchant=merchant, **IN_STORE_COUPON)  # type: ignore[arg-type]
        coupon_template_set_status(actor=owner, template_id=template.pk, status="active")
        counts["in_store_templates"] += 1
        for n, (user, _address) in enumerate(people[:IN_STORE_CLAIMS]):
            coupon_claim(user=user, template_id=template.pk, key=f"demo-in-store-{template.pk}-{user.pk}")
            counts["in_store_claimed"] += 1
            if n < IN_STORE_REDEEMED:
                code = Coupon.objects.get(template=template, user=user).code
                redeem_code(actor=guide.user, code=code, purchase_fen=IN_STORE_PURCHASES[n])
                counts["in_store_redeemed"] += 1
        # pick-ups: the cheapest listings, one unit each, so a demo of any size has the stock
        listings = sorted(world.listings[merchant.pk], key=lambda listing: (listing.price_fen, listing.pk))
        for n, (user, _address) in enumerate(people[:PICKUPS_WAITING + PICKUPS_COLLECTED]):
            listing = listings[n % len(listings)]
            order = order_place(buyer=user, merchant=merchant, lines=[(listing.pk, 1)], address=None,
                                client_token=f"demo-pickup-{merchant.pk}-{user.pk}", fulfilment_mode="pickup",
                                pickup_store=store)
            pay_in_sandbox(buyer=user, order=order)
            fulfilment = order.fulfilments.get()
            fulfilment_ship(actor=staff_of[fulfilment.supplier_id], fulfilment=fulfilment, carrier="SF",
                            tracking_number=f"SF{order.pk:010d}")
            pickup_parcel_received(actor=guide.user, order_id=order.pk)
            counts["pickup_orders"] += 1
            if n < PICKUPS_COLLECTED:
                order.refresh_from_db()
                redeem_code(actor=guide.user, code=order.pickup_code)
                counts["pickups_collected"] += 1
            else:
                counts["pickups_waiting"] += 1
    world.counts.update(counts)
