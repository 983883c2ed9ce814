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
#: share-to-get: the sharer's reward coupon (the friends get COUPONS[0], the 5 元 new-customer coupon)
SHARE_CAMPAIGN = "分享好友领 5 元券"
SHARE_REWARD = ("分享有礼 · 满 99 减 20", {"kind": "amount", "value": 2000, "threshold_fen": 9900, "total": 1000,
                                    "per_user_limit": 3, "valid_days": 30, "sources": ["share"]})
SHARE_FRIENDS_NEEDED = 3
SHARE_MAX_REWARDS = 3
#: friends who claimed through the demo sharer at each merchant: one reward, and one toward the next
SHARE_FRIENDS = 4
#: invite tiers: the coupons of the 3rd and the 10th friend (the 5th brings a gift)
INVITE_CAMPAIGN = "邀请有礼"
INVITE_COUPONS = (
    ("邀请有礼 · 15 元无门槛券", {"kind": "amount", "value": 1500, "total": 1000, "per_user_limit": 1,
                           "valid_days": 30, "sources": ["invite"]}),
    ("邀请有礼 · 满 199 减 80", {"kind": "amount", "value": 8000, "threshold_fen": 19900, "total": 500,
                            "per_user_limit": 1, "valid_days": 30, "sources": ["invite"]}),
)


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


def step_campaigns(world: "DemoWorld", *, days: int = 90) -> None:
    """Coupons, levels, points and a few orders paid with them, at every merchant (at the present)."""
    from linkmall.campaigns.models import CouponSource
    from linkmall.campaigns.services import (
        coupon_claim,
        coupon_template_create,
        coupon_template_set_status,
        points_grant,
    )
    from linkmall.campaigns.services.coupons import is_new_customer
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
                # the new-customer gift for a customer new here, else the claim centre
                new = CouponSource.NEW_CUSTOMER in template.sources and is_new_customer(user=user,
                                                                                         merchant_id=merchant.pk)
                source = CouponSource.NEW_CUSTOMER if new else CouponSource.CLAIM
                coupon_claim(user=user, template_id=template.pk, source=source, key=f"demo-{template.pk}-{user.pk}")
                counts["coupons_claimed"] += 1
        # returning customers (they browsed and bought here before) come back with a coupon
        returning = set(Order.objects.filter(merchant=merchant).values_list("buyer_id", flat=True))
        counts["coupon_orders"] += _orders_with_coupons(
            world, merchant=merchant, customers=[c for c in customers if c[0].pk in returning][:4])
    step_share_to_get(world)
    step_invite_tiers(world, days=days)
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
    """Share-to-get (分享领券) at every merchant: friends who open a customer's share claim the 5 元
    new-customer coupon; every `SHARE_FRIENDS_NEEDED` friends earn the sharer a 满 99 减 20. The
    customer who brought the shop most friends has shared already, and `SHARE_FRIENDS` friends new to
    the shop, each on their own phone and device, claimed through the link: the sharer's progress
    page (/me/shares/) shows the claims and one reward. The first merchant's sharer is a printed login."""
    from linkmall.campaigns.models import CampaignStatus, Coupon, CouponTemplate, ShareMode
    from linkmall.campaigns.services import coupon_template_create, coupon_template_set_status
    from linkmall.campaigns.services.sharing import (
        share_campaign_create,
        share_campaign_set_status,
        share_claim,
    )
    from linkmall.customers.models import Purchase, Visitor

    now = clock.now()
    counts = {"share_campaigns": 0, "share_claims": 0, "share_rewards": 0}
    for merchant, owner, _definition, _stores, _guides in world.merchants:
        name, terms = SHARE_REWARD
        reward = coupon_template_create(actor=owner, merchant=merchant, accept_loss=True, name=name,
                                        **terms)  # type: ignore[arg-type]
        coupon_template_set_status(actor=owner, template_id=reward.pk, status="active")
        friend_template = CouponTemplate.objects.get(merchant=merchant, name=COUPONS[0][0],
                                                     status=CampaignStatus.ACTIVE)
        campaign = share_campaign_create(
            actor=owner, merchant=merchant, name=SHARE_CAMPAIGN, friend_template_id=friend_template.pk,
            reward_template_id=reward.pk, friends_needed=SHARE_FRIENDS_NEEDED, mode=ShareMode.CLAIMS,
            max_rewards=SHARE_MAX_REWARDS, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30))
        share_campaign_set_status(actor=owner, campaign_id=campaign.pk, status="active")
        counts["share_campaigns"] += 1
        sharer = _top_referrer(world, merchant=merchant)
        if sharer is None:
            continue
        # friends new to the shop who do not hold its new-customer coupon yet
        taken = ({sharer.pk} | set(Purchase.objects.filter(merchant=merchant).values_list("user_id", flat=True))
                 | set(Coupon.objects.filter(template=friend_template).values_list("user_id", flat=True)))
        friends = [user for user, _address in world.consumers if user.pk not in taken][:SHARE_FRIENDS]
        devices = dict(Visitor.objects.filter(user__in=friends).order_by("pk").values_list("user_id", "key"))
        for friend in friends:
            share_claim(friend=friend, campaign_id=campaign.pk, sharer_id=sharer.pk,
                        device_key=devices.get(friend.pk, ""))
            counts["share_claims"] += 1
        counts["share_rewards"] += Coupon.objects.filter(template=reward, user=sharer).count()
        if merchant.pk == world.merchants[0][0].pk:
            world.logins.append(_customer_login(sharer))
    world.counts.update(counts)


def _top_referrer(world: "DemoWorld", *, merchant):
    """The consumer who brought the merchant the most friends whose first order there settles when
    the load's due tasks run (paid, due, not refunded): the demo's keen sharer, whose invite
    progress shows those friends too. None when nobody did."""
    from collections import Counter

    from django.db.models import F

    from linkmall.orders.models import Order
    from linkmall.referral.models import Promoter

    now = clock.now()
    first: dict[int, bool] = {}  # buyer -> whether their first paid order here settles now
    for buyer_id, due, left in (
            Order.objects.filter(merchant=merchant, kind=Order.Kind.NORMAL, paid_at__isnull=False)
            .annotate(left=F("total_fen") - F("refunded_fen"))
            .order_by("paid_at", "pk").values_list("buyer_id", "settlement__settle_due_at", "left")):
        first.setdefault(buyer_id, due is not None and due <= now and left > 0)
    referrers = dict(Promoter.objects.filter(user_id__in=first, referrer__isnull=False)
                     .values_list("user_id", "referrer_id"))
    brought = Counter(referrer for user, referrer in referrers.items() if first[user])
    if not brought:
        return None
    top = min(brought, key=lambda pk: (-brought[pk], pk))
    return next(user for user, _address in world.consumers if user.pk == top)


def _customer_login(user):
    from linkmall.demo.services import DemoLogin

    return DemoLogin("顾客 customer (分享 · 邀请 · 积分)", user.phone or "", "(SMS code)",
                     f"{user} · /me/shares/ · /me/invites/ · /me/points/")


def step_invite_tiers(world: "DemoWorld", *, days: int) -> None:
    """Tiered invite rewards (邀请有礼) at every merchant, run since the history began: 3 friends →
    a coupon, 5 → a gift (the shop's cheapest listing, paid by the merchant), 10 → a bigger coupon.
    A friend counts once their first order, with a product the campaign names, settles unrefunded;
    the campaign names the shop's products except the 2+1 entry packages, so the compliance review
    (referral.invites) finds no headcount pay and it starts. The history's first orders settle when
    the due tasks run at the end of the load, which credits the inviters bound before them."""
    from linkmall.campaigns.models import Funder, InviteCounts, InvitePrizeKind
    from linkmall.campaigns.services import coupon_template_create, coupon_template_set_status
    from linkmall.campaigns.services.invites import invite_campaign_create
    from linkmall.referral.invites import invite_campaign_move
    from linkmall.referral.models import QualifyingProduct

    packages = set(QualifyingProduct.objects.values_list("product_id", flat=True))
    clock.freeze(clock.now() - timedelta(days=days + 1))
    try:
        made = 0
        for merchant, owner, _definition, _stores, _guides in world.merchants:
            templates = []
            for name, terms in INVITE_COUPONS:
                template = coupon_template_create(actor=owner, merchant=merchant, accept_loss=True, name=name,
                                                  **terms)  # type: ignore[arg-type]
                templates.append(coupon_template_set_status(actor=owner, template_id=template.pk,
                                                            status="active"))
            listings = world.listings[merchant.pk]
            gift = min(listings, key=lambda listing: (listing.price_fen, listing.pk))
            products = sorted({listing.product_id for listing in listings} - packages)[:50]
            campaign = invite_campaign_create(
                actor=owner, merchant=merchant, name=INVITE_CAMPAIGN, counts=InviteCounts.PRODUCTS,
                product_ids=products, starts_at=clock.now(), tiers=[
                    {"invitees": 3, "prize_kind": InvitePrizeKind.COUPON, "coupon_template_id": templates[0].pk},
                    {"invitees": 5, "prize_kind": InvitePrizeKind.GIFT, "gift_listing_id": gift.pk,
                     "funder": Funder.MERCHANT},
                    {"invitees": 10, "prize_kind": InvitePrizeKind.COUPON, "coupon_template_id": templates[1].pk},
                ])
            invite_campaign_move(actor=owner, campaign_id=campaign.pk, status="active")
            made += 1
    finally:
        clock.reset()
    world.counts["invite_campaigns"] = made
