"""The demo's live campaigns, made through the campaigns services like everything else in the demo.

- `step_promotions` (before the order history): the card banners' promotions ("会员日 · 全场满 299
  减 50", "新客首单立减 20 元") become real store promotions, active over the same window as their
  banners, so the last days of the history are priced by them.
- `step_campaigns` (after the history, at the present): coupon templates every merchant runs (a 5 元
  无门槛 new-customer coupon, a 满 199 减 30, a 9折 up to 30 元), member levels, customers holding
  welcome points and claimed coupons, and a few orders paid with a coupon and points.

The demo's merchants accept the loss of the new-customer offers on their cheapest listings (the
console asks the same question: `accept_loss`): they pay for new customers on purpose.
"""

from datetime import timedelta
from typing import TYPE_CHECKING

from linkmall.core import clock

if TYPE_CHECKING:
    from linkmall.demo.services import DemoWorld

#: the banners of traces.PROMOTIONS as promotions: (name, terms)
PROMOTIONS = (
    ("会员日 · 全场满 299 减 50", {"kind": "amount", "value": 5000, "threshold_fen": 29900}),
    ("新客首单立减 20 元", {"kind": "amount", "value": 2000, "new_customers_only": True}),
)
#: coupon templates every merchant runs: (name, terms)
COUPONS = (
    ("新人 5 元无门槛券", {"kind": "amount", "value": 500, "total": 5000, "per_user_limit": 1, "valid_days": 30,
                      "sources": ["claim", "new_customer", "share"]}),
    ("满 199 减 30", {"kind": "amount", "value": 3000, "threshold_fen": 19900, "total": 2000, "per_user_limit": 2,
                   "valid_days": 30, "sources": ["claim", "guide", "layer"]}),
    ("全场 9 折 · 最高减 30", {"kind": "percent", "value": 10, "max_discount_fen": 3000, "total": 1000,
                         "per_user_limit": 1, "valid_days": 14, "sources": ["claim", "layer"]}),
)
#: member levels every merchant runs: (name, growth threshold in fen, percent off)
LEVELS = (("银卡会员", 50_000, "2"), ("金卡会员", 200_000, "5"), ("钻石会员", 500_000, "8"))
#: welcome points some customers were given (开卡礼), 100 points = 1.00
WELCOME_POINTS = (200, 500, 1000, 2000)


def step_promotions(world: "DemoWorld") -> None:
    """Each merchant's banner promotions as active store promotions, over the banners' window."""
    from linkmall.campaigns.services import promotion_create, promotion_set_status

    now = clock.now()
    made = 0
    for merchant, owner, _definition, _stores, _guides in world.merchants:
        for name, terms in PROMOTIONS:
            promotion = promotion_create(actor=owner, merchant=merchant, accept_loss=True, name=name,
                                         starts_at=now - timedelta(days=3), ends_at=now + timedelta(days=30),
                                         **terms)  # type: ignore[arg-type]
            promotion_set_status(actor=owner, promotion_id=promotion.pk, status="active")
            made += 1
    world.counts["promotions"] = made


def step_campaigns(world: "DemoWorld") -> None:
    """Coupons, levels, points and a few orders paid with them, at every merchant (at the present)."""
    from linkmall.campaigns.models import CouponSource
    from linkmall.campaigns.services import (
        coupon_claim,
        coupon_template_create,
        coupon_template_set_status,
        points_grant,
    )
    from linkmall.orders.models import Order

    rng = world.rng
    counts = {"coupon_templates": 0, "coupons_claimed": 0, "coupon_orders": 0, "points_customers": 0}
    for merchant, owner, _definition, _stores, _guides in world.merchants:
        templates = []
        for name, terms in COUPONS:
            template = coupon_template_create(actor=owner, merchant=merchant, accept_loss=True, name=name,
                                              **terms)  # type: ignore[arg-type]
            templates.append(coupon_template_set_status(actor=owner, template_id=template.pk, status="active"))
        counts["coupon_templates"] += len(templates)
        step_levels(world, merchant=merchant, owner=owner)
        customers = rng.sample(world.consumers, len(world.consumers) // 3)
        for user, _address in customers:
            points = rng.choice(WELCOME_POINTS)
            points_grant(user=user, merchant=merchant, points=points, key="demo-welcome", reason="开卡礼")
            counts["points_customers"] += 1
            for template in rng.sample(templates, rng.randint(1, len(templates))):
                source = CouponSource.NEW_CUSTOMER if CouponSource.NEW_CUSTOMER in template.sources else CouponSource.CLAIM
                coupon_claim(user=user, template_id=template.pk, source=source, key=f"demo-{template.pk}-{user.pk}")
                counts["coupons_claimed"] += 1
        # returning customers (they browsed and bought here before) come back with a coupon
        returning = set(Order.objects.filter(merchant=merchant).values_list("buyer_id", flat=True))
        counts["coupon_orders"] += _orders_with_coupons(
            world, merchant=merchant, customers=[c for c in customers if c[0].pk in returning][:4])
    step_share_to_get(world)
    step_invite_tiers(world)
    for key, value in counts.items():
        world.counts[key] = value


def _orders_with_coupons(world: "DemoWorld", *, merchant, customers) -> int:
    """A few customers buy now with the coupon that takes most off and half their points: paid orders
    whose lines show every step of the price."""
    from linkmall.core.errors import DomainError
    from linkmall.demo.sandbox import pay_in_sandbox
    from linkmall.orders.quotes import line_in, order_quote
    from linkmall.orders.services import order_place

    rng = world.rng
    placed = 0
    for user, address in customers:
        listings = rng.sample(world.listings[merchant.pk], 2)
        lines = [(listing.pk, 1) for listing in listings]
        best = order_quote(buyer=user, merchant=merchant, lines=[line_in(listing, 1) for listing in listings],
                           best=True)
        if best.coupon is None:
            continue
        points = best.points_max() // 2
        try:
            order = order_place(buyer=user, merchant=merchant, lines=lines, address=address,
                                client_token=f"demo-coupon-{merchant.pk}-{user.pk}", coupon_id=best.coupon.pk,
                                points=points)
        except DomainError:  # e.g. out of stock: this customer simply does not buy now
            continue
        pay_in_sandbox(buyer=user, order=order)
        placed += 1
    return placed


def step_levels(world: "DemoWorld", *, merchant, owner) -> None:
    """Member levels (银卡 / 金卡 / 钻石) from growth value, each with its checkout discount."""
    from linkmall.campaigns.services.loyalty import member_level_create

    for name, threshold_fen, percent_off in LEVELS:
        member_level_create(actor=owner, merchant=merchant,
                            fields={"name": name, "threshold_fen": threshold_fen, "percent_off": percent_off})


def step_share_to_get(world: "DemoWorld") -> None:
    """Share-to-get (分享领券): a campaign per merchant giving friends the 5 元 new-customer coupon.
    Left to the lead: the share-to-get helper's services are being finished in the same change."""


def step_invite_tiers(world: "DemoWorld") -> None:
    """Tiered invite rewards (邀请 3 / 5 / 10 人): a campaign per merchant.
    Left to the lead: the invite-tier helper's services are being finished in the same change."""
