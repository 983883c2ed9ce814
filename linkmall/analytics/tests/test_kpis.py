"""The merchant's KPIs against a small history worked out by hand (docs/analytics.md)."""

import json
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from linkmall.analytics.kpis import KPI_KEYS, QUERIES, merchant_kpis, scope_for
from linkmall.cards.models import Card, CardHolding
from linkmall.core import clock
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.customers.importing.reader import Row
from linkmall.customers.importing.service import import_rows
from linkmall.customers.models import Profile, ShareEdge, Visitor
from linkmall.ledger.models import Bucket, OwnerKind
from linkmall.ledger.services import Line, accounts_get_or_create, posting_write
from linkmall.orders.models import Fulfilment, Order, OrderLine, Redemption
from linkmall.referral.models import Promoter, Reward
from linkmall.testing import (
    make_consumer,
    make_guide,
    make_listing,
    make_merchant,
    make_merchant_owner,
    make_product,
    make_store,
    make_supplier,
)

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOV_FROM, NOV_TO = date(2026, 11, 1), date(2026, 11, 30)


def local(day: int, hour: int = 10, month: int = 11, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def make_order(merchant, buyer, listing, *, paid_at, total_fen, refunded_fen=0, store=None, guide=None,
               status=Order.Status.PAID, kind=Order.Kind.NORMAL) -> Order:
    sku = listing.sku
    order = Order.objects.create(
        number=f"T{Order.objects.count() + 1:08d}", kind=kind, buyer=buyer, merchant=merchant, store=store,
        guide=guide, status=status, client_token=f"t-{Order.objects.count()}", address={},
        list_fen=total_fen, goods_fen=total_fen, total_fen=total_fen, refunded_fen=refunded_fen,
        placed_at=paid_at, expires_at=paid_at, paid_at=paid_at)
    fulfilment = Fulfilment.objects.create(order=order, supplier=sku.supplier)
    refunded_quantity = 1 if refunded_fen and refunded_fen >= total_fen and total_fen else 0
    OrderLine.objects.create(
        order=order, fulfilment=fulfilment, listing=listing, sku=sku, product=sku.product, supplier=sku.supplier,
        product_name="商品", unit_price_fen=total_fen, unit_cost_fen=0, quantity=1, list_fen=total_fen,
        activity_fen=total_fen, paid_fen=total_fen, refunded_fen=refunded_fen,
        refunded_quantity=refunded_quantity)
    return order


@pytest.fixture
def mall():
    """The hand-made history of November 2026 (local days):

    - Alice: a1 Nov 3 store S1 through guide G, 100.00 (new: her first order ever);
             a2 Nov 20 store S2, 50.00 with 20.00 refunded → 30.00;
    - Bob:   b0 Oct 15 S1, 80.00 (before the period: Bob is returning);
             b1 Nov 10 S1, 200.00; b2 Nov 12 S2, 60.00 refunded in full (closed: left out);
    - Carol: a gift order on Nov 5 (not a purchase), nothing else;
    - Dave:  d1 Dec 1 00:30 local, 70.00 — 16:30 UTC on Nov 30: outside the period (local days);
    - Erin:  e1 Nov 1 00:30 local (16:30 UTC on Oct 31: inside), S2, 40.00; bound to a referrer.
    """
    merchant = make_merchant()
    s1, s2 = make_store(merchant), make_store(merchant)
    guide = make_guide(s1)
    supplier = make_supplier()
    l1, l2, l3, l4 = (make_listing(merchant, make_product(supplier).skus.get()) for _ in range(4))
    l3.sku.stock = 0
    l3.sku.save()
    l4.is_active = False
    l4.save()
    alice, bob, carol, dave, erin = (make_consumer() for _ in range(5))
    a1 = make_order(merchant, alice, l1, paid_at=local(3), total_fen=100_00, store=s1, guide=guide)
    make_order(merchant, alice, l1, paid_at=local(20), total_fen=50_00, refunded_fen=20_00, store=s2)
    b0 = make_order(merchant, bob, l2, paid_at=local(15, month=10), total_fen=80_00, store=s1,
                    status=Order.Status.COMPLETED)
    b1 = make_order(merchant, bob, l1, paid_at=local(10), total_fen=200_00, store=s1)
    make_order(merchant, bob, l2, paid_at=local(12), total_fen=60_00, refunded_fen=60_00, store=s2,
               status=Order.Status.CLOSED)
    make_order(merchant, carol, l2, paid_at=local(5), total_fen=0, kind=Order.Kind.GIFT)
    make_order(merchant, dave, l2, paid_at=local(1, hour=0, minute=30, month=12), total_fen=70_00)
    make_order(merchant, erin, l1, paid_at=local(1, hour=0, minute=30), total_fen=40_00, store=s2)
    Promoter.objects.create(user=erin, referrer=bob, bound_via="link", bound_at=local(1, hour=0))

    # private users: Alice bound to G since October; Erin keeps G's card since Nov 15; Carol bound
    # to G, first seen Nov 20; Bob bound to no one
    Profile.objects.create(merchant=merchant, user=alice, guide=guide, first_seen_at=local(1, month=10), layer="core")
    Profile.objects.create(merchant=merchant, user=erin, first_seen_at=local(1, month=10), layer="active")
    Profile.objects.create(merchant=merchant, user=carol, guide=guide, first_seen_at=local(20))
    Profile.objects.create(merchant=merchant, user=bob, first_seen_at=local(1, month=10), layer="core")
    CardHolding.objects.create(user=erin, card=Card.objects.create(guide=guide), saved_at=local(15))

    # marketing: the merchant funded 10.00 of a1's discounts (booked Nov 3) and 5.00 of b0's (Oct);
    # a1 pays a promoter 8.00 and guide G 5.00; b1's 3.00 reward was cancelled
    accounts = accounts_get_or_create(keys=[
        (OwnerKind.MERCHANT, merchant.pk, Bucket.MARKETING), (OwnerKind.DISCOUNTS, 0, Bucket.MARKETING),
        (OwnerKind.GUIDE, guide.pk, Bucket.PENDING), (OwnerKind.MERCHANT, merchant.pk, Bucket.PENDING)])
    marketing, discounts = (accounts[(OwnerKind.MERCHANT, merchant.pk, Bucket.MARKETING)],
                            accounts[(OwnerKind.DISCOUNTS, 0, Bucket.MARKETING)])
    for order, at, fen in ((a1, local(3), 10_00), (b0, local(15, month=10), 5_00)):
        with clock.frozen(at):
            posting_write(key=f"test:{order.pk}:marketing", kind="test", reference=f"order:{order.pk}",
                          lines=[Line(marketing, -fen, True), Line(discounts, fen)])
    with clock.frozen(local(3)):
        posting_write(key=f"test:{a1.pk}:guide", kind="test", reference=f"order:{a1.pk}",
                      lines=[Line(accounts[(OwnerKind.GUIDE, guide.pk, Bucket.PENDING)], 5_00),
                             Line(accounts[(OwnerKind.MERCHANT, merchant.pk, Bucket.PENDING)], -5_00, True)])
    Reward.objects.create(line=a1.lines.get(), order=a1, recipient=bob, kind=Reward.Kind.DIRECT,
                          amount_fen=8_00, accrued_fen=8_00)
    Reward.objects.create(line=b1.lines.get(), order=b1, recipient=erin, kind=Reward.Kind.DIRECT,
                          amount_fen=0, accrued_fen=3_00, status=Reward.Status.CANCELLED)
    # one in-store coupon redeemed at S1 on Nov 8 on a 300.00 purchase
    Redemption.objects.create(actor=guide.user, store=s1, merchant=merchant, kind=Redemption.Kind.COUPON,
                              code="C1", outcome=Redemption.Outcome.REDEEMED, purchase_fen=300_00, at=local(8))
    return {"merchant": merchant, "s1": s1, "s2": s2, "guide": guide, "alice": alice, "erin": erin}


def kpis(mall, **kw):
    scope = scope_for(merchant_id=mall["merchant"].pk, date_from=kw.pop("date_from", NOV_FROM),
                      date_to=kw.pop("date_to", NOV_TO), **kw)
    return merchant_kpis(scope).as_json()


def test_every_kpi_of_the_month(mall, django_assert_num_queries):
    scope = scope_for(merchant_id=mall["merchant"].pk, date_from=NOV_FROM, date_to=NOV_TO)
    with django_assert_num_queries(QUERIES):
        data = merchant_kpis(scope).as_json()
    details = data.pop("details")
    assert data == {
        "sales": "370.00",          # a1 100 + a2 (50 − 20) + b1 200 + e1 40
        "orders": 4,                # b0 (October), b2 (refunded in full), the gift and d1 (December) left out
        "buyers": 3,                # Alice, Bob, Erin
        "aov": "92.50",             # 370 ÷ 4
        "repurchase_rate": 0.3333,  # Alice (2 orders) ÷ 3 buyers
        "frequency": 1.3333,        # 4 ÷ 3
        "frequency_per_year": 16.2222,  # 4 ÷ 3 × 365 ÷ 30
        "new_customers": 2,         # Alice, Erin (Bob bought in October)
        "private_users": 3,         # Alice (bound), Erin (card), Carol (bound, first seen Nov 20)
        "marketing_cost": "23.00",  # ledger 10 (November only) + reward 8 + guide 5
        "cac": "11.50",             # 23 ÷ 2
        "inventory_turnover": None,
        "slow_mover_share": 0.5,    # l1, l2 listed in stock (l3 has none, l4 inactive); l2 last sold in October
        "loss_rate": None,
    }
    assert list(data) == list(KPI_KEYS)
    assert details["new_customers_via"] == {"card": 1, "referral": 1, "share": 0, "any": 2}  # Alice G, Erin
    assert details["new_customers_via_share"] == 1.0
    assert details["repeat_buyers"] == 1
    assert details["private_users_at_start"] == 1  # Alice only
    assert details["private_users_growth"] == 2
    assert details["private_layers"] == {"core": 0.3333, "active": 0.3333, "potential": 0.0}
    assert details["marketing"] == {"ledger": "10.00", "referral_rewards": "8.00", "guide_pay": "5.00"}
    assert details["marketing_share"] == 0.0622  # 23 ÷ 370
    assert details["coupons"] == {"claimed": 0, "claimed_redeemed": 0, "redemption_rate": None,
                                  "redeemed": 1, "revenue": "300.00"}
    assert (details["listed_in_stock"], details["slow_movers"]) == (2, 1)
    assert details["new_product_cycle"] is None


def test_one_store(mall, django_assert_num_queries):
    scope = scope_for(merchant_id=mall["merchant"].pk, date_from=NOV_FROM, date_to=NOV_TO, store_id=mall["s1"].pk)
    with django_assert_num_queries(QUERIES - 1):  # the store is known: no query for the merchant's stores
        s1 = merchant_kpis(scope).as_json()
    # a1 100 + b1 200; Alice new, Bob returning; private: bound to or holding a card of S1's guide
    assert {k: s1[k] for k in ("sales", "orders", "buyers", "aov", "repurchase_rate", "frequency",
                               "new_customers", "private_users", "marketing_cost", "cac")} == {
        "sales": "300.00", "orders": 2, "buyers": 2, "aov": "150.00", "repurchase_rate": 0.0, "frequency": 1.0,
        "new_customers": 1, "private_users": 3, "marketing_cost": "23.00", "cac": "23.00"}
    assert s1["details"]["coupons"]["revenue"] == "300.00"
    s2 = kpis(mall, store_id=mall["s2"].pk)
    # a2 30 + e1 40; both new (Alice's first order, a1, is in the period); no guide in S2
    assert {k: s2[k] for k in ("sales", "orders", "buyers", "aov", "new_customers", "private_users",
                               "marketing_cost", "cac", "slow_mover_share")} == {
        "sales": "70.00", "orders": 2, "buyers": 2, "aov": "35.00", "new_customers": 2, "private_users": 0,
        "marketing_cost": "0.00", "cac": "0.00", "slow_mover_share": 0.5}
    assert s2["details"]["coupons"]["redeemed"] == 0


def test_one_guide(mall, django_assert_num_queries):
    scope = scope_for(merchant_id=mall["merchant"].pk, date_from=NOV_FROM, date_to=NOV_TO,
                      guide_id=mall["guide"].pk)
    with django_assert_num_queries(QUERIES - 4):  # a guide has no coupons (3 queries) nor imports (1)
        data = merchant_kpis(scope).as_json()
    assert {k: data[k] for k in ("sales", "orders", "buyers", "aov", "new_customers", "private_users",
                                 "marketing_cost", "cac")} == {
        "sales": "100.00", "orders": 1, "buyers": 1, "aov": "100.00", "new_customers": 1, "private_users": 3,
        "marketing_cost": "23.00", "cac": "23.00"}
    assert data["details"]["coupons"]["redemption_rate"] is None
    assert data["details"]["new_customers_via"]["card"] == 1


def test_a_period_without_orders_is_zeros_and_nulls(mall):
    data = kpis(mall, date_from=date(2026, 6, 1), date_to=date(2026, 6, 30))
    assert {k: data[k] for k in KPI_KEYS} == {
        "sales": "0.00", "orders": 0, "buyers": 0, "aov": None, "repurchase_rate": None, "frequency": None,
        "frequency_per_year": None, "new_customers": 0, "private_users": 0, "marketing_cost": "0.00",
        "cac": None, "inventory_turnover": None, "slow_mover_share": 1.0, "loss_rate": None}
    assert data["details"]["marketing_share"] is None


def test_the_utc_day_is_not_the_local_day(mall):
    # Nov 30 local holds nothing; Dec 1 local holds d1 (paid 16:30 UTC on Nov 30)
    assert kpis(mall, date_from=date(2026, 11, 30), date_to=date(2026, 11, 30))["orders"] == 0
    assert kpis(mall, date_from=date(2026, 12, 1), date_to=date(2026, 12, 1))["sales"] == "70.00"


def test_bad_input(mall):
    other = make_merchant()
    with pytest.raises(NotFound) as exc:
        scope_for(merchant_id=other.pk + 1000, date_from=NOV_FROM, date_to=NOV_TO)
    assert exc.value.code == "unknown_merchant"
    with pytest.raises(InvalidInput):
        scope_for(merchant_id=mall["merchant"].pk, date_from=NOV_TO, date_to=NOV_FROM)
    with pytest.raises(NotFound) as exc:
        scope_for(merchant_id=other.pk, date_from=NOV_FROM, date_to=NOV_TO, store_id=mall["s1"].pk)
    assert exc.value.code == "unknown_store"
    with pytest.raises(NotFound) as exc:
        scope_for(merchant_id=other.pk, date_from=NOV_FROM, date_to=NOV_TO, guide_id=mall["guide"].pk)
    assert exc.value.code == "unknown_guide"


def test_imported_orders_count_as_mall_orders():
    """The same history once in the mall and once imported gives the same numbers."""
    supplier = make_supplier()
    mall_merchant, import_merchant = make_merchant(), make_merchant()
    listing = make_listing(mall_merchant, make_product(supplier).skus.get())
    results = []
    # a mall buyer: October 20 (before) and November 10; a second one on November 12
    u, v = make_consumer("13800000001"), make_consumer("13800000002")
    make_order(mall_merchant, u, listing, paid_at=local(20, month=10), total_fen=30_00)
    make_order(mall_merchant, u, listing, paid_at=local(10), total_fen=100_00)
    make_order(mall_merchant, v, listing, paid_at=local(12), total_fen=50_00)
    # the same history imported for the other merchant (a POS export: the day, noon local)
    report = import_rows(merchant_id=import_merchant.pk, rows=[
        Row(line=2, phone="13800000001", order_id="P1", day=date(2026, 10, 20), amount_fen=30_00),
        Row(line=3, phone="13800000001", order_id="P2", day=date(2026, 11, 10), amount_fen=100_00),
        Row(line=4, phone="13800000002", order_id="P3", day=date(2026, 11, 12), amount_fen=50_00),
    ])
    assert report.purchases_created == 3
    for merchant in (mall_merchant, import_merchant):
        scope = scope_for(merchant_id=merchant.pk, date_from=NOV_FROM, date_to=NOV_TO)
        data = merchant_kpis(scope).as_json()
        results.append({k: data[k] for k in ("sales", "orders", "buyers", "aov", "repurchase_rate", "frequency",
                                             "frequency_per_year", "new_customers")})
    assert results[0] == results[1] == {
        "sales": "150.00", "orders": 2, "buyers": 2, "aov": "75.00", "repurchase_rate": 0.0, "frequency": 1.0,
        "frequency_per_year": 12.1667,  # 2 ÷ 2 × 365 ÷ 30
        "new_customers": 1}  # v; u bought in October


def test_mixed_mall_and_imported_purchases_of_one_buyer():
    """An imported purchase and a mall order of one buyer are two orders of one buyer; an import
    before the period makes a mall buyer returning."""
    supplier = make_supplier()
    merchant = make_merchant()
    listing = make_listing(merchant, make_product(supplier).skus.get())
    u, v = make_consumer("13800000011"), make_consumer("13800000012")
    import_rows(merchant_id=merchant.pk, rows=[
        Row(line=2, phone="13800000011", order_id="P1", day=date(2026, 11, 2), amount_fen=20_00),
        Row(line=3, phone="13800000012", order_id="P2", day=date(2026, 10, 2), amount_fen=20_00),
    ])
    make_order(merchant, u, listing, paid_at=local(10), total_fen=100_00)
    make_order(merchant, v, listing, paid_at=local(11), total_fen=10_00)
    data = merchant_kpis(scope_for(merchant_id=merchant.pk, date_from=NOV_FROM, date_to=NOV_TO)).as_json()
    assert (data["sales"], data["orders"], data["buyers"], data["repurchase_rate"], data["new_customers"]) == (
        "130.00", 3, 2, 0.5, 1)  # 20 + 100 + 10; u twice; u new, v imported in October


def test_share_source_of_a_new_customer(mall):
    erin = mall["erin"]
    visitor = Visitor.objects.create(key="v-erin", user=erin)
    ShareEdge.objects.create(merchant=mall["merchant"], sharer=Visitor.objects.create(key="v-x"),
                             recipient=visitor, first_at=local(1))
    via = kpis(mall)["details"]["new_customers_via"]
    assert via == {"card": 1, "referral": 1, "share": 1, "any": 2}


def call(*args: str) -> str:
    out = StringIO()
    call_command("analytics", "kpis", *args, stdout=out)
    return out.getvalue()


def test_command_json_keys_and_formats(mall):
    data = json.loads(call("--merchant", str(mall["merchant"].pk), "--from", "2026-11-01", "--to", "2026-11-30",
                           "--json"))
    assert [k for k in data if k != "details"] == list(KPI_KEYS)
    for key in ("sales", "aov", "marketing_cost", "cac"):
        assert isinstance(data[key], str) and data[key].count(".") == 1 and len(data[key].split(".")[1]) == 2
    for key in ("repurchase_rate", "slow_mover_share"):
        assert 0 <= data[key] <= 1 and round(data[key], 4) == data[key]
    assert data["inventory_turnover"] is None and data["loss_rate"] is None
    table = call("--merchant", str(mall["merchant"].pk), "--from", "2026-11-01", "--to", "2026-11-30",
                 "--store", str(mall["s1"].pk))
    assert "sales" in table and "300.00" in table and "inventory_turnover" in table


@pytest.mark.parametrize("args, message", [
    (["--merchant", "999999", "--from", "2026-11-01", "--to", "2026-11-30"], "unknown_merchant"),
    (["--from", "2026-11-30", "--to", "2026-11-01"], "invalid_input"),
    (["--from", "2026-11-01", "--to", "2026-13-01"], "not a date"),
    (["--from", "2026-11-01", "--to", "2026-11-30", "--store", "OTHER"], "unknown_store"),
    (["--from", "2026-11-01", "--to", "2026-11-30", "--guide", "OTHER"], "unknown_guide"),
])
def test_command_bad_input(mall, args, message):
    other = make_merchant()
    other_store = make_store(other)
    other_guide = make_guide(other_store)
    args = [{"OTHER": str(other_store.pk if "--store" in args else other_guide.pk)}.get(a, a) for a in args]
    if "--merchant" not in args:
        args = ["--merchant", str(mall["merchant"].pk), *args]
    make_merchant_owner(other)
    with pytest.raises(CommandError, match=message):
        call(*args)
