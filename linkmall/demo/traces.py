"""The AI card side of the demo: guides' cards, promotions, the assistant's policies, the traces
customers left before they bought (card and product views with dwell, forwards along the
referral graph), a few bookings, and the scores made from all of it.

Browsing is replayed on the history's clock (see history.py): a buyer looks at the card and the
products some minutes before placing the order, and consumers who never buy still browse, so
the potential layer is not empty. Every trace goes through `customers.tracking.event_record`.
"""

from datetime import timedelta
from typing import TYPE_CHECKING

from linkmall.core import clock

if TYPE_CHECKING:
    from linkmall.demo.services import DemoWorld

HEADLINES = ("资深美妆顾问 · 8 年", "搭配师 · 擅长通勤穿搭", "家居好物买手", "生鲜采购 · 每日到店",
             "母婴顾问 · 国家育婴师", "会员服务专员")
BIOS = ("到店可以免费试色，也可以微信找我预约专属时段。", "每周上新，私信我帮你留货。",
        "不确定选哪款？把你的需求发给我，我一对一推荐。")
PROMOTIONS = (("会员日 · 全场满 299 减 50", "每周三会员日，到店与线上同享。"),
              ("新客首单立减 20 元", "第一次下单自动减，不与其他优惠同享。"))


def step_cards(world) -> None:
    """A published card for every guide (headline, bio, four featured products), two current
    promotions and the default assistant policies for every merchant."""
    from linkmall.cards.assistant.corpus import knowledge_seed_defaults
    from linkmall.cards.services.card import CardEdit, card_update
    from linkmall.cards.services.promotions import promotion_save

    rng = world.rng
    now = clock.now()
    for merchant, owner, _definition, _stores, guides in world.merchants:
        product_ids = sorted({listing.product_id for listing in world.listings[merchant.pk]})
        for guide in guides:
            card_update(actor=guide.user, guide_id=guide.pk, edit=CardEdit(
                headline=rng.choice(HEADLINES), bio=rng.choice(BIOS), is_published=True,
                featured_ids=rng.sample(product_ids, min(4, len(product_ids))),
            ))
        for title, detail in PROMOTIONS:
            promotion_save(actor=owner, title=title, detail=detail, starts_at=now - timedelta(days=3),
                           ends_at=now + timedelta(days=30))
        knowledge_seed_defaults(merchant_id=merchant.pk)
    world.counts["cards"] = sum(len(m[4]) for m in world.merchants)


class Traces:
    """Records a consumer's browsing: one consented visitor per consumer, made on first use."""

    def __init__(self, world: "DemoWorld") -> None:
        self.world = world
        self.visitors: dict[int, object] = {}
        self.referrers: dict[int, int] = {}  # consumer -> who shared the mall with them
        self.events = 0

    def load_referrers(self) -> None:
        from linkmall.referral.models import Promoter

        users = [user.pk for user, _address in self.world.consumers]
        self.referrers = dict(Promoter.objects.filter(user_id__in=users, referrer__isnull=False)
                              .values_list("user_id", "referrer_id"))

    def visitor(self, user):
        from linkmall.customers.tracking import visitor_consent, visitor_create

        if user.pk not in self.visitors:
            self.visitors[user.pk] = visitor_consent(visitor=visitor_create(user=user), consent=True)
        return self.visitors[user.pk]

    def browse(self, *, user, merchant, store, guide, product_ids: list[int]) -> None:
        """One visit, sent as the beacon sends it (one batch): the guide's card when there is
        one, then the products, each with its dwell."""
        import uuid

        from linkmall.customers.ingest import events_ingest
        from linkmall.customers.tracking import visitor_share_token

        rng = self.world.rng
        visitor = self.visitor(user)
        referrer_id = self.referrers.get(user.pk)
        shared_by = (visitor_share_token(self.visitor(_user(self.world, referrer_id)))
                     if referrer_id and rng.random() < 0.5 else None)
        at = clock.now()
        common = {"merchant": merchant.pk, "store": store.pk if store else None,
                  "guide": guide.pk if guide else None, "section": "", "shared_by": shared_by}
        batch = []
        if guide is not None:
            batch.append({**common, "kind": "forward" if shared_by else "card_view", "product": None,
                          "dwell_ms": 0, "at": at})
        for product_id in product_ids:
            at += timedelta(seconds=rng.randint(5, 40))
            dwell = rng.choice((8, 15, 30, 45, 90, 150)) * 1000
            batch.append({**common, "kind": "product_view", "product": product_id, "dwell_ms": 0, "at": at})
            at += timedelta(milliseconds=dwell)
            batch.append({**common, "kind": "dwell", "product": product_id, "dwell_ms": dwell, "at": at})
        for event in batch:
            event["id"] = uuid.UUID(int=rng.getrandbits(128)).hex
        self.events += events_ingest(visitor=visitor, events=batch, user=user).accepted


def _user(world, user_id):
    for user, _address in world.consumers:
        if user.pk == user_id:
            return user
    raise LookupError(user_id)


def step_bookings(world) -> None:
    """A few customers booked a store visit in the coming days, through their guide's card."""
    from linkmall.cards.services.booking import appointment_book
    from linkmall.cards.slots import open_slots

    rng = world.rng
    booked = 0
    for _merchant, _owner, _definition, _stores, guides in world.merchants:
        for guide in guides:
            days = open_slots(store=guide.store_id, days=5)
            slots = [slot for day in days[1:] for slot in day.slots]
            for user, _address in rng.sample(world.consumers, min(2, len(world.consumers))):
                if slots:
                    slot = slots.pop(rng.randrange(len(slots)))
                    appointment_book(user=user, store_id=guide.store_id, starts_at=slot.starts_at,
                                     guide_id=guide.pk, note="想到店试试")
                    booked += 1
    world.counts["bookings"] = booked


def step_scores(world) -> None:
    """What a merchant's nightly jobs make: the intent model, layers and their actions, CLV,
    each store's recommendations, and yesterday's digest for every guide."""
    from linkmall.cards.digest import digest_build, yesterday
    from linkmall.customers.clv.service import clv_refresh
    from linkmall.customers.recommend import recommend_refresh
    from linkmall.customers.scoring import layers_recompute
    from linkmall.customers.scoring.training import intent_train

    for merchant, _owner, _definition, stores, guides in world.merchants:
        intent_train(merchant_id=merchant.pk)
        layers_recompute(merchant_id=merchant.pk)
        clv_refresh(merchant_id=merchant.pk)
        for store in stores:
            recommend_refresh(store_id=store.pk)
        for guide in guides:
            digest_build(guide_id=guide.pk, day=yesterday())
