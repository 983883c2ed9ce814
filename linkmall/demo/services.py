"""`demo_load`: a believable mall created through the real services, as a user would create it.

Nothing here writes a model directly: suppliers list products with `product_create`, merchants
pick with `listing_pick`, consumers buy with `order_place` and pay through the sandbox gateway.
So the demo data obeys every rule the services enforce, and loading it exercises them.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction

from linkmall.accounts.models import Role, User
from linkmall.catalog.models import Supplier
from linkmall.core import clock, tasks
from linkmall.demo import catalogue, people
from linkmall.demo.images import product_image

if TYPE_CHECKING:
    from linkmall.catalog.models import Product
    from linkmall.customers.models import Address
    from linkmall.stores.models import Guide, Listing, Merchant, Store

DEMO_PASSWORD = "demo12345"
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin12345"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    note: str = ""


@dataclass
class DemoWorld:
    """What the loader has made so far, handed from one step to the next."""

    rng: random.Random
    admin: User | None = None
    suppliers: list[tuple[Supplier, User, catalogue.SupplierDef]] = field(default_factory=list)  # with its staff
    products: "list[tuple[Product, str]]" = field(default_factory=list)  # with its category slug
    #: (merchant, its owner, its definition, its stores, its guides)
    merchants: "list[tuple[Merchant, User, people.MerchantDef, list[Store], list[Guide]]]" = field(
        default_factory=list)
    listings: "dict[int, list[Listing]]" = field(default_factory=dict)  # by merchant pk
    consumers: "list[tuple[User, Address]]" = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def operator(self) -> User:
        """The platform operator `step_platform` made, whom the later steps act as."""
        if self.admin is None:
            raise RuntimeError("step_platform has not run: the demo has no platform operator yet")
        return self.admin


def demo_is_loaded() -> bool:
    """True when the database already holds mall data (then `--if-empty` loads nothing)."""
    return Supplier.objects.exists() or User.objects.filter(username=ADMIN_USERNAME).exists()


def _sms_login(user: User) -> str:
    """The phone a demo user logs in with by SMS code (guides and consumers are made with one)."""
    if user.phone is None:
        raise RuntimeError(f"demo user {user.pk} has no phone to log in with")
    return user.phone


def _staff(*, username: str, password: str | None, role: str, tenant_id: int | None, display_name: str,
           superuser: bool = False) -> User:
    from linkmall.accounts.services import staff_user_create

    return staff_user_create(username=username, password=password, role=role, tenant_id=tenant_id,
                             display_name=display_name, superuser=superuser)


def step_platform(world: DemoWorld) -> None:
    world.admin = _staff(username=ADMIN_USERNAME, password=ADMIN_PASSWORD, role=Role.PLATFORM, tenant_id=None,
                         display_name="平台运营", superuser=True)
    world.logins.append(DemoLogin("平台运营 platform", ADMIN_USERNAME, ADMIN_PASSWORD, "/staff/login/ · /admin/"))


def step_catalogue(world: DemoWorld) -> None:
    from linkmall.catalog.services import category_ensure, product_create, supplier_create

    categories = {}
    for definition in catalogue.SUPPLIERS:
        categories[definition.category_slug] = category_ensure(
            name=definition.category_name, slug=definition.category_slug
        )
    for index, definition in enumerate(catalogue.SUPPLIERS, start=1):
        supplier = supplier_create(name=definition.name, contact_phone=definition.contact_phone,
                                   return_address=definition.return_address)
        username = "supplier" if index == 1 else f"supplier{index}"
        # only the printed demo login gets a password: hashing one costs ~0.1 s of argon2
        staff = _staff(username=username, password=DEMO_PASSWORD if index == 1 else None,
                       role=Role.SUPPLIER_STAFF, tenant_id=supplier.pk,
                       display_name=f"{definition.category_name}供应商运营")
        if index == 1:
            world.logins.append(DemoLogin("供应商员工 supplier staff", username, DEMO_PASSWORD,
                                          f"{definition.name} · /console/supplier/"))
        world.suppliers.append((supplier, staff, definition))
        for product_index, product_def in enumerate(definition.products, start=1):
            skus = catalogue.sku_rows(definition, product_def, product_index, world.rng)
            images = [
                ContentFile(
                    product_image(name=product_def.name, category_slug=definition.category_slug, variant=v),
                    name=f"{skus[0]['code'][:-3].lower()}-{v + 1}.jpg",
                )
                for v in range(2)
            ]
            product = product_create(
                actor=staff, supplier=supplier, category=categories[definition.category_slug],
                name=product_def.name, subtitle=product_def.subtitle,
                description=product_def.description
                or f"{product_def.name}，{product_def.subtitle}。由{definition.name}一件代发。",
                spec_names=tuple(product_def.specs), skus=skus, images=images,
            )
            world.products.append((product, definition.category_slug))
    world.counts["suppliers"] = len(world.suppliers)
    world.counts["products"] = len(world.products)


def step_merchants(world: DemoWorld) -> None:
    from linkmall.stores.services import guide_create, merchant_create, store_create

    # memorable phones for the guides, who log in by SMS code: 139 0000 0001, 0002, …
    guide_phones = iter(f"139{n:08d}" for n in range(1, 100))
    for index, definition in enumerate(people.MERCHANTS, start=1):
        merchant = merchant_create(name=definition.name, contact_phone=definition.contact_phone)
        username = "merchant" if index == 1 else f"merchant{index}"
        owner = _staff(username=username, password=DEMO_PASSWORD if index == 1 else None,
                       role=Role.MERCHANT_OWNER, tenant_id=merchant.pk, display_name=f"{definition.name}店主")
        if index == 1:
            world.logins.append(DemoLogin("商家店主 merchant owner", username, DEMO_PASSWORD,
                                          f"{definition.name} · /console/merchant/"))
        stores = [
            store_create(actor=owner, merchant=merchant, name=s.name, city=people.CITY, address=s.address,
                         latitude=s.latitude, longitude=s.longitude, phone=s.phone, opening_hours=s.opening_hours)
            for s in definition.stores
        ]
        guides = []
        for g, (display_name, title) in enumerate(definition.guides):
            guide = guide_create(actor=owner, store=stores[g % len(stores)], phone=next(guide_phones),
                                 display_name=display_name, title=title, wechat=f"lm_guide_{index}{g + 1}")
            guides.append(guide)
        world.merchants.append((merchant, owner, definition, stores, guides))
    # guides have no password by design: they log in with an SMS code (printed in the server log)
    first_guide = world.merchants[0][4][0]
    world.logins.append(DemoLogin("导购 guide", _sms_login(first_guide.user), "(SMS code)",
                                  f"{first_guide.user} · {first_guide.store} · /login/"))
    world.counts["merchants"] = len(world.merchants)
    world.counts["stores"] = sum(len(m[3]) for m in world.merchants)
    world.counts["guides"] = sum(len(m[4]) for m in world.merchants)


def step_listings(world: DemoWorld) -> None:
    from linkmall.stores.services import listing_pick

    skus_by_category: dict[str, list] = {}
    for product, slug in world.products:
        skus_by_category.setdefault(slug, []).extend(product.skus.order_by("pk"))
    for merchant, owner, definition, _stores, _guides in world.merchants:
        wanted = world.rng.randint(30, 50)
        # most picks from the merchant's focus trades, a few from the others
        focus = [sku for slug in definition.focus for sku in skus_by_category[slug]]
        others = [sku for slug, skus in skus_by_category.items() if slug not in definition.focus for sku in skus]
        from_focus = min(len(focus), wanted - min(len(others), wanted // 6))
        picked = world.rng.sample(focus, from_focus) + world.rng.sample(others, wanted - from_focus)
        listings = []
        for sku in sorted(picked, key=lambda s: s.pk):
            # the merchant's own price: around the suggestion, and at least ¥1 above cost, since
            # listing_pick refuses a price below it (stores.pricing)
            price = max(sku.cost_fen + 100, sku.suggested_price_fen * world.rng.choice((90, 95, 100, 100, 105)) // 100)
            price = price // 10 * 10
            pool = (price - sku.cost_fen) * world.rng.choice((20, 25, 30)) // 100
            listings.append(listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=price, pool_fen=pool))
        world.listings[merchant.pk] = listings
    world.counts["listings"] = sum(len(v) for v in world.listings.values())


def step_consumers(world: DemoWorld, count: int) -> None:
    from linkmall.accounts.services import consumer_get_or_create
    from linkmall.customers.services import address_create

    taken = {phone for phone in User.objects.exclude(phone=None).values_list("phone", flat=True).iterator()
             if phone is not None}
    for phone in people.unique_phones(world.rng, count, taken=taken):
        name = people.person_name(world.rng)
        user = consumer_get_or_create(phone=phone, display_name=name)
        address = address_create(user=user, is_default=True, **people.consumer_address(world.rng, name, phone))
        world.consumers.append((user, address))
    world.counts["consumers"] = len(world.consumers)


def step_referral(world: DemoWorld, *, days: int) -> None:
    """The 2+1 plan (the compliant `sales` profile) live before the history starts, three gift
    packages as the entry, a few consumers seeded as bosses, and about half of the others bound
    to an earlier consumer, as if they had opened a share link, a QR code or a poster."""
    from datetime import timedelta

    from linkmall.referral.graph import referral_bind
    from linkmall.referral.services import (
        plan_acknowledge,
        plan_draft,
        plan_go_live,
        promoter_seed,
        qualifying_product_add,
    )

    operator = world.operator()
    # all of it before the history starts: a binding counts for invite tiers only on orders placed
    # after it (referral.invites), as a friend who bought first and was bound later was not invited
    clock.freeze(clock.now() - timedelta(days=days + 1))
    try:
        plan = plan_draft(actor=operator, config={"profile": "sales"})
        plan = plan_acknowledge(actor=operator, plan=plan, codes=[r["code"] for r in plan.compliance])
        plan_go_live(actor=operator, plan=plan)
        for product, _slug in world.products[:: max(1, len(world.products) // 3)][:3]:
            qualifying_product_add(actor=operator, product=product)
        users = [user for user, _address in world.consumers]
        if not users:
            return
        bosses = users[: max(1, len(users) // 50)]
        for boss in bosses:
            promoter_seed(user=boss, level="boss")
        bound = 0
        for index, user in enumerate(users[len(bosses):], start=len(bosses)):
            if world.rng.random() < 0.55:
                referrer = users[world.rng.randrange(0, index)]
                bound += referral_bind(user=user, referrer=referrer, via=world.rng.choice(("link", "qr", "poster")))
    finally:
        clock.reset()
    world.logins.append(DemoLogin("推广员 promoter (老板 boss)", _sms_login(bosses[0]), "(SMS code)",
                                  f"{bosses[0]} · /me/promoter/"))
    world.counts["bosses"] = len(bosses)
    world.counts["bound_referrals"] = bound


def demo_load(*, consumers: int = 300, seed: int = 2025, days: int = 90,
              progress: Callable[[str], None] | None = None) -> DemoWorld:
    """Load the demo mall into an empty database. One transaction: all of it or nothing.

    `progress(step_name)` is called as each step starts (the command draws a bar with it).
    """
    from linkmall.demo.activities import step_activities
    from linkmall.demo.campaigns import step_campaigns, step_promotions
    from linkmall.demo.history import step_history
    from linkmall.demo.o2o import step_guide_pay, step_o2o
    from linkmall.demo.traces import step_bookings, step_cards, step_scores

    world = DemoWorld(rng=random.Random(seed))
    steps: list[tuple[str, Callable[[], None]]] = [
        ("platform", lambda: step_platform(world)),
        ("catalogue", lambda: step_catalogue(world)),
        ("merchants", lambda: step_merchants(world)),
        ("listings", lambda: step_listings(world)),
        ("consumers", lambda: step_consumers(world, consumers)),
        ("referral", lambda: step_referral(world, days=days)),
        ("cards", lambda: step_cards(world)),
        ("promotions", lambda: step_promotions(world)),
        ("guide_pay", lambda: step_guide_pay(world)),
        ("orders", lambda: step_history(world, days=days)),
        ("campaigns", lambda: step_campaigns(world, days=days)),
        ("activities", lambda: step_activities(world)),
        ("o2o", lambda: step_o2o(world)),
        ("bookings", lambda: step_bookings(world)),
        ("tasks", lambda: world.counts.__setitem__("tasks_run", tasks.run_due())),
        ("scores", lambda: step_scores(world)),
    ]
    try:
        with transaction.atomic():
            for name, run in steps:
                if progress:
                    progress(name)
                run()
    finally:
        clock.reset()
    return world


STEP_NAMES = ("platform", "catalogue", "merchants", "listings", "consumers", "referral", "cards", "promotions",
              "guide_pay", "orders", "campaigns", "activities", "o2o", "bookings", "tasks", "scores")
