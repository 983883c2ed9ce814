from decimal import Decimal

import pytest

from linkmall.accounts.models import Role, Tenant, User
from linkmall.catalog.models import Product, Sku
from linkmall.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkmall.stores.models import Guide, Listing, Merchant, Store
from linkmall.stores.services import (
    guide_create,
    guide_update,
    listing_pick,
    listing_unpick,
    listing_update,
    merchant_create,
    store_create,
    store_update,
)
from linkmall.testing import (
    copies,
    make_consumer,
    make_merchant,
    make_merchant_owner,
    make_product,
    make_store,
    make_supplier,
    make_supplier_staff,
    race,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant():
    return make_merchant()


@pytest.fixture
def owner(merchant):
    return make_merchant_owner(merchant)


@pytest.fixture
def sku():
    return make_product(make_supplier(), cost_fen=5000, price_fen=9900, stock=30).skus.get()


def test_merchant_create_makes_the_tenant_too():
    merchant = merchant_create(name="西湖美妆", contact_phone="0571-8888")
    assert (merchant.tenant.kind, merchant.tenant.name, merchant.pk) == (Tenant.Kind.MERCHANT, "西湖美妆", merchant.tenant.pk)


def test_a_merchant_without_a_name_is_refused_and_nothing_is_created():
    with pytest.raises(InvalidInput):
        merchant_create(name="")
    assert (Tenant.objects.count(), Merchant.objects.count()) == (0, 0)


def test_store_create_keeps_gcj02_coordinates_to_six_places(owner, merchant):
    store = store_create(actor=owner, merchant=merchant, name="文三路店", city="杭州", address="文三路1号",
                         latitude="30.2740851", longitude=120.15507)
    store.refresh_from_db()
    assert (store.latitude, store.longitude) == (Decimal("30.274085"), Decimal("120.155070"))


@pytest.mark.parametrize("lat,lng", [("120.15", "30.27"), ("-30", "120"), ("30", "200"), ("north", "120"), (None, "120"),
                                     ("NaN", "120")])
def test_store_create_refuses_coordinates_outside_china_and_creates_nothing(owner, merchant, lat, lng):
    with pytest.raises(InvalidInput) as refused:
        store_create(actor=owner, merchant=merchant, name="店", city="杭州", address="某路", latitude=lat, longitude=lng)
    assert set(refused.value.detail["fields"]) <= {"latitude", "longitude"}
    assert Store.objects.count() == 0


def test_another_merchants_owner_cannot_create_or_change_a_store(merchant):
    intruder = make_merchant_owner(make_merchant())
    with pytest.raises(NotFound):
        store_create(actor=intruder, merchant=merchant, name="店", city="杭州", address="某路", latitude=30, longitude=120)
    store = make_store(merchant, name="原名")
    with pytest.raises(NotFound):
        store_update(actor=intruder, store=store, name="改名")
    store.refresh_from_db()
    assert store.name == "原名"


def test_store_update_changes_only_the_given_fields(owner, merchant):
    store = make_store(merchant, name="原名")
    store_update(actor=owner, store=store, name="新名", is_active=False)
    store.refresh_from_db()
    assert (store.name, store.city, store.is_active) == ("新名", "杭州", False)


def test_guide_create_makes_a_guide_login_on_the_merchants_tenant(owner, merchant):
    store = make_store(merchant)
    guide = guide_create(actor=owner, store=store, phone="+86 139-1234-5678", display_name="小美", title="美妆顾问")
    user = guide.user
    assert (user.role, user.tenant_id, user.phone, user.display_name) == (Role.GUIDE, merchant.pk, "13912345678", "小美")
    assert user.has_usable_password() is False
    assert (guide.merchant_id, guide.store_id, guide.phone) == (merchant.pk, store.pk, "13912345678")


def test_a_phone_already_in_use_is_refused_and_nothing_is_created(owner, merchant):
    make_consumer(phone="13912345678")
    with pytest.raises(Conflict) as refused:
        guide_create(actor=owner, store=make_store(merchant), phone="13912345678", display_name="小美")
    assert refused.value.code == "phone_taken"
    assert Guide.objects.count() == 0
    assert User.objects.filter(role=Role.GUIDE).count() == 0


def test_a_bad_phone_is_refused(owner, merchant):
    with pytest.raises(InvalidInput):
        guide_create(actor=owner, store=make_store(merchant), phone="12345", display_name="小美")
    assert Guide.objects.count() == 0


def test_another_merchant_cannot_add_guides_to_this_store(merchant):
    with pytest.raises(NotFound):
        guide_create(actor=make_merchant_owner(make_merchant()), store=make_store(merchant), phone="13912345678",
                     display_name="小美")
    assert Guide.objects.count() == 0


def test_switching_a_guide_off_also_switches_off_the_login(owner, merchant):
    guide = guide_create(actor=owner, store=make_store(merchant), phone="13912345678", display_name="小美")
    other_store = make_store(merchant)
    guide_update(actor=owner, guide=guide, store=other_store, is_active=False)
    guide.refresh_from_db()
    guide.user.refresh_from_db()
    assert (guide.store, guide.is_active, guide.user.is_active) == (other_store, False, False)


def test_a_guide_cannot_move_to_another_merchants_store(owner, merchant):
    guide = guide_create(actor=owner, store=make_store(merchant), phone="13912345678", display_name="小美")
    with pytest.raises(NotFound):
        guide_update(actor=owner, guide=guide, store=make_store(make_merchant()))


def test_listing_pick_sells_a_supplier_sku_at_the_merchants_price(owner, merchant, sku):
    listing = listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=12900, pool_fen=2000)
    assert (listing.merchant_id, listing.sku_id, listing.product_id, listing.price_fen, listing.pool_fen,
            listing.is_active) == (merchant.pk, sku.pk, sku.product_id, 12900, 2000, True)


def test_picking_at_exactly_cost_with_no_pool_is_allowed(owner, merchant, sku):
    assert listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=5000).price_fen == 5000


def test_picking_below_cost_is_refused_and_nothing_is_listed(owner, merchant, sku):
    with pytest.raises(InvalidInput) as refused:
        listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=4999)
    assert refused.value.code == "price_below_cost"
    assert refused.value.detail == {"price_fen": 4999, "cost_fen": 5000}
    assert Listing.objects.count() == 0


def test_a_pool_larger_than_the_margin_is_refused(owner, merchant, sku):
    with pytest.raises(InvalidInput) as refused:
        listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=6000, pool_fen=1001)
    assert refused.value.code == "pool_exceeds_margin"
    assert refused.value.detail == {"pool_fen": 1001, "max_pool_fen": 1000}
    assert Listing.objects.count() == 0


@pytest.mark.parametrize("price,pool", [(0, 0), (-1, 0), (6000, -1), (59.9, 0), ("6000", 0)])
def test_bad_prices_and_pools_are_refused(owner, merchant, sku, price, pool):
    with pytest.raises(InvalidInput):
        listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=price, pool_fen=pool)
    assert Listing.objects.count() == 0


def test_re_picking_updates_the_same_listing_and_reactivates_it(owner, merchant, sku):
    first = listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=9900)
    listing_unpick(actor=owner, listing=first)
    again = listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=8900, pool_fen=100)
    assert again.pk == first.pk
    assert list(Listing.objects.values_list("price_fen", "pool_fen", "is_active")) == [(8900, 100, True)]


def test_an_archived_product_or_inactive_sku_cannot_be_picked(owner, merchant, sku):
    Product.objects.filter(pk=sku.product_id).update(status=Product.Status.ARCHIVED)
    with pytest.raises(Conflict) as refused:
        listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=9900)
    assert refused.value.code == "sku_not_for_sale"
    Product.objects.filter(pk=sku.product_id).update(status=Product.Status.ACTIVE)
    Sku.objects.filter(pk=sku.pk).update(is_active=False)
    with pytest.raises(Conflict):
        listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=9900)
    assert Listing.objects.count() == 0


def test_another_merchants_owner_cannot_pick_for_this_merchant(merchant, sku):
    with pytest.raises(NotFound):
        listing_pick(actor=make_merchant_owner(make_merchant()), merchant=merchant, sku=sku, price_fen=9900)
    assert Listing.objects.count() == 0


@pytest.mark.parametrize("who", ["supplier", "consumer"])
def test_only_merchant_owners_pick(merchant, sku, who):
    actor = make_supplier_staff(make_supplier()) if who == "supplier" else make_consumer()
    with pytest.raises(PermissionDenied):
        listing_pick(actor=actor, merchant=merchant, sku=sku, price_fen=9900)
    assert Listing.objects.count() == 0


def test_listing_update_refuses_a_price_below_cost_and_changes_nothing(owner, merchant, sku):
    listing = listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=9900, pool_fen=1000)
    with pytest.raises(InvalidInput) as refused:
        listing_update(actor=owner, listing=listing, price_fen=4000)
    assert refused.value.code == "price_below_cost"
    listing.refresh_from_db()
    assert (listing.price_fen, listing.pool_fen) == (9900, 1000)


def test_listing_update_checks_a_new_pool_against_the_current_price(owner, merchant, sku):
    listing = listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=9900)
    with pytest.raises(InvalidInput):
        listing_update(actor=owner, listing=listing, pool_fen=4901)
    assert listing_update(actor=owner, listing=listing, pool_fen=4900).pool_fen == 4900


def test_another_merchant_cannot_update_or_unpick_a_listing(owner, merchant, sku):
    listing = listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=9900)
    intruder = make_merchant_owner(make_merchant())
    with pytest.raises(NotFound):
        listing_update(actor=intruder, listing=listing, price_fen=19900)
    with pytest.raises(NotFound):
        listing_unpick(actor=intruder, listing=listing)
    listing.refresh_from_db()
    assert (listing.price_fen, listing.is_active) == (9900, True)


def test_reactivating_a_listing_whose_cost_rose_above_its_price_is_refused(owner, merchant, sku):
    listing = listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=6000)
    listing_unpick(actor=owner, listing=listing)
    Sku.objects.filter(pk=sku.pk).update(cost_fen=7000)
    with pytest.raises(InvalidInput):
        listing_update(actor=owner, listing=listing, is_active=True)
    listing.refresh_from_db()
    assert listing.is_active is False


@pytest.mark.django_db(transaction=True)
def test_concurrent_picks_of_the_same_sku_leave_one_listing():
    merchant = make_merchant()
    owner = make_merchant_owner(merchant)
    sku = make_product(make_supplier(), cost_fen=5000, price_fen=9900).skus.get()
    results = race(*copies(lambda i: listing_pick(actor=owner, merchant=merchant, sku=sku, price_fen=9000 + i), 4))

    assert [r for r in results if isinstance(r, Exception)] == []
    assert Listing.objects.filter(merchant=merchant, sku=sku).count() == 1
    assert Listing.objects.get().price_fen in {9000, 9001, 9002, 9003}
