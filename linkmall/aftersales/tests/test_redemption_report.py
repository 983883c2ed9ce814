"""The redemption report (docs/o2o.md "Redemption report"): per store and local day, in-store coupons
claimed and redeemed, the redemption rate of each day's claims, the in-store revenue, pick-ups
waiting and collected; page, chart, exports, API and who may see what."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from linkmall import testing
from linkmall.accounts.models import User
from linkmall.accounts.services import api_token_issue
from linkmall.aftersales.redemption_report import redemption_report
from linkmall.aftersales.services.redemption import pickup_expire, pickup_parcel_received, redeem_code
from linkmall.aftersales.tests.builders import pay
from linkmall.aftersales.tests.test_in_store_coupons import make_in_store_template
from linkmall.campaigns.models import Coupon, GuideCoupon
from linkmall.campaigns.services import coupon_claim
from linkmall.campaigns.services import coupons as coupon_services
from linkmall.core import clock
from linkmall.core.errors import DomainError
from linkmall.customers.models import Profile
from linkmall.orders.models import Order
from linkmall.orders.services import fulfilment_ship, order_place
from linkmall.stores.models import Guide, Merchant, Store

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY1, DAY2 = date(2026, 3, 10), date(2026, 3, 11)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class World:
    merchant: Merchant
    a: Store
    b: Store
    guide_a: Guide
    guide_b: Guide
    owner: User
    foreign_owner: User
    foreign_store: Store
    template_id: int = 0


def claim(world: World, user: User, when: datetime) -> Coupon:
    clock.freeze(when)
    return coupon_claim(user=user, template_id=world.template_id, source="claim")


def redeem(actor: User, code: str, when: datetime, purchase_fen: int | None = None, store: Store | None = None):
    clock.freeze(when)
    return redeem_code(actor=actor, code=code, purchase_fen=purchase_fen, store_id=store.pk if store else None)


@pytest.fixture
def world(db) -> World:
    """Two stores A and B of one merchant over two days (10 and 11 March 2026, Shanghai time).

    Coupons (in-store, 满100减20): buyer1 is looked after by A's guide, buyer4 by B's; buyer2 got
    hers from B's guide; buyer3 has no guide. Pick-ups: o1, o2 reach A on day 1 (o2 at 23:30), o1
    is collected on day 2; o4 reaches B on day 1 and is collected at 23:50; o5 reached B a week
    before and is refunded as uncollected on day 2."""
    supplier = testing.make_supplier()
    staff = testing.make_supplier_staff(supplier)
    merchant = testing.make_merchant()
    sku = testing.make_product(supplier, price_fen=9900, cost_fen=5000, stock=50).skus.get()
    listing = testing.make_listing(merchant, sku, price_fen=9900)
    a, b = testing.make_store(merchant, name="A店"), testing.make_store(merchant, name="B店")
    foreign_store = testing.make_store(testing.make_merchant(), name="别家店")
    w = World(merchant=merchant, a=a, b=b, guide_a=testing.make_guide(a), guide_b=testing.make_guide(b),
              owner=testing.make_merchant_owner(merchant),
              foreign_owner=testing.make_merchant_owner(foreign_store.merchant), foreign_store=foreign_store)
    clock.freeze(at(DAY1, 0) - timedelta(days=8))
    w.template_id = make_in_store_template(merchant, per_user_limit=5, valid_days=30).pk
    buyers = [testing.make_consumer() for _ in range(4)]
    Profile.objects.create(merchant=merchant, user=buyers[0], guide=w.guide_a)
    profile2 = Profile.objects.create(merchant=merchant, user=buyers[1])
    Profile.objects.create(merchant=merchant, user=buyers[3], guide=w.guide_b)

    def pickup(n: int, store: Store, arrived: datetime) -> Order:
        clock.freeze(arrived - timedelta(hours=2))
        order = order_place(buyer=buyers[2], merchant=merchant, lines=[(listing.pk, 1)], address=None,
                            client_token=f"p{n}", fulfilment_mode="pickup", pickup_store=store)
        pay(order)
        fulfilment_ship(actor=staff, fulfilment=order.fulfilments.get(), carrier="SF", tracking_number=f"SF12345{n}")
        clock.freeze(arrived)
        pickup_parcel_received(actor=w.owner, order_id=order.pk)
        order.refresh_from_db()
        return order

    o5 = pickup(5, b, at(DAY1, 9) - timedelta(days=7))
    o1 = pickup(1, a, at(DAY1, 10))
    o2 = pickup(2, a, at(DAY1, 23, 30))
    o4 = pickup(4, b, at(DAY1, 11))
    redeem(w.guide_b.user, o4.pickup_code, at(DAY1, 23, 50))
    redeem(w.guide_a.user, o1.pickup_code, at(DAY2, 11))
    clock.freeze(at(DAY2, 9, 30))
    assert pickup_expire(order_id=o5.pk)
    assert o2.pk

    c1 = claim(w, buyers[0], at(DAY1, 10))  # A
    c2 = claim(w, buyers[0], at(DAY1, 23, 30))  # A, late on day 1
    clock.freeze(at(DAY1, 12))
    c3 = coupon_services.coupon_issue(template=Coupon.objects.get(pk=c1.pk).template, user=buyers[1],
                                      source="guide", key="g1")  # B, given by B's guide
    GuideCoupon.objects.create(coupon=c3, guide=w.guide_b, profile=profile2)
    claim(w, buyers[3], at(DAY1, 13))  # B, never redeemed
    c4 = claim(w, buyers[2], at(DAY2, 9))  # no store
    claim(w, buyers[0], at(DAY2, 10))  # A, never redeemed

    redeem(w.guide_a.user, c2.code, at(DAY1, 23, 45), 12000)  # at A on day 1
    redeem(w.guide_b.user, c1.code, at(DAY2, 10), 15000)  # A's coupon, redeemed at B
    redeem(w.owner, c3.code, at(DAY2, 12), 20000, store=a)  # B's coupon, redeemed at A by the owner
    redeem(w.guide_b.user, c4.code, at(DAY2, 13), 10000)
    clock.freeze(at(DAY2, 20))
    return w


def numbers(row) -> dict:
    """Every column but the guides' commissions (the world pays none; test_guide_commissions_…)."""
    return {**{k: v for k, v in row.values.items() if k != "guide_commission_fen"}, "rate": row.rate}


def test_the_report_counts_each_store_and_local_day_exactly(world):
    report = redemption_report(actor=world.owner, date_from=DAY1, date_to=DAY2)
    assert [ref.name for ref in report.stores] == ["A店", "B店", "未归属门店"]
    day1, day2 = report.days
    assert [numbers(row) for row in day1.stores] == [
        {"claimed": 2, "claimed_redeemed": 2, "rate": "100.0", "redeemed": 1, "revenue_fen": 12000,
         "pickups_waiting": 2, "pickups_done": 0},
        {"claimed": 2, "claimed_redeemed": 1, "rate": "50.0", "redeemed": 0, "revenue_fen": 0,
         "pickups_waiting": 1, "pickups_done": 1},
        {"claimed": 0, "claimed_redeemed": 0, "rate": None, "redeemed": 0, "revenue_fen": 0,
         "pickups_waiting": 0, "pickups_done": 0},
    ]
    assert [numbers(row) for row in day2.stores] == [
        {"claimed": 1, "claimed_redeemed": 0, "rate": "0.0", "redeemed": 1, "revenue_fen": 20000,
         "pickups_waiting": 1, "pickups_done": 1},
        {"claimed": 0, "claimed_redeemed": 0, "rate": None, "redeemed": 2, "revenue_fen": 25000,
         "pickups_waiting": 0, "pickups_done": 0},
        {"claimed": 1, "claimed_redeemed": 1, "rate": "100.0", "redeemed": 0, "revenue_fen": 0,
         "pickups_waiting": 0, "pickups_done": 0},
    ]
    assert numbers(day1.total) == {"claimed": 4, "claimed_redeemed": 3, "rate": "75.0", "redeemed": 1,
                                   "revenue_fen": 12000, "pickups_waiting": 3, "pickups_done": 1}
    # the waiting count of a period is its last day's
    assert numbers(report.total) == {"claimed": 6, "claimed_redeemed": 4, "rate": "66.7", "redeemed": 4,
                                     "revenue_fen": 57000, "pickups_waiting": 1, "pickups_done": 2}
    assert [numbers(row) for row in report.store_totals][:2] == [
        {"claimed": 3, "claimed_redeemed": 2, "rate": "66.7", "redeemed": 2, "revenue_fen": 32000,
         "pickups_waiting": 1, "pickups_done": 1},
        {"claimed": 2, "claimed_redeemed": 1, "rate": "50.0", "redeemed": 2, "revenue_fen": 25000,
         "pickups_waiting": 0, "pickups_done": 1},
    ]


def test_an_event_at_2330_shanghai_time_counts_for_that_day_not_the_next(world):
    only_day1 = redemption_report(actor=world.owner, store_id=world.a.pk, date_from=DAY1, date_to=DAY1)
    # c2 claimed and redeemed late on day 1 (15:30 and 15:45 UTC), o2 arrived at 23:30
    assert numbers(only_day1.total) == {"claimed": 2, "claimed_redeemed": 2, "rate": "100.0", "redeemed": 1,
                                        "revenue_fen": 12000, "pickups_waiting": 2, "pickups_done": 0}
    only_day2 = redemption_report(actor=world.owner, store_id=world.a.pk, date_from=DAY2, date_to=DAY2)
    assert numbers(only_day2.total) == {"claimed": 1, "claimed_redeemed": 0, "rate": "0.0", "redeemed": 1,
                                        "revenue_fen": 20000, "pickups_waiting": 1, "pickups_done": 1}


def test_one_store_leaves_the_claims_without_a_store_out(world):
    report = redemption_report(actor=world.owner, store_id=world.b.pk, date_from=DAY1, date_to=DAY2)
    assert report.store.name == "B店" and [ref.name for ref in report.stores] == ["B店"]
    assert numbers(report.total) == {"claimed": 2, "claimed_redeemed": 1, "rate": "50.0", "redeemed": 2,
                                     "revenue_fen": 25000, "pickups_waiting": 0, "pickups_done": 1}


def test_a_guide_sees_their_own_store_only(world):
    report = redemption_report(actor=world.guide_a.user, date_from=DAY1, date_to=DAY2)
    assert report.store.id == world.a.pk and numbers(report.total)["revenue_fen"] == 32000
    for store in (world.b, world.foreign_store):
        with pytest.raises(DomainError) as exc:
            redemption_report(actor=world.guide_a.user, store_id=store.pk)
        assert exc.value.code == "unknown_store"


def test_the_number_of_queries_does_not_grow_with_the_rows(world, django_assert_num_queries):
    with django_assert_num_queries(8):
        redemption_report(actor=world.owner, date_from=DAY1, date_to=DAY2)
    clock.freeze(at(DAY2, 21))
    for n in range(3):
        claim(world, testing.make_consumer(), at(DAY2, 21, n))
    with django_assert_num_queries(8):
        redemption_report(actor=world.owner, date_from=DAY1 - timedelta(days=60), date_to=DAY2)


def test_bad_input_is_a_clear_4xx_and_never_a_500(world):
    for kwargs, code in [
        ({"date_from": DAY2, "date_to": DAY1}, "invalid_input"),
        ({"date_from": DAY2 - timedelta(days=366), "date_to": DAY2}, "invalid_input"),
        ({"store_id": world.foreign_store.pk}, "unknown_store"),
    ]:
        with pytest.raises(DomainError) as exc:
            redemption_report(actor=world.owner, **kwargs)
        assert exc.value.code == code
    with pytest.raises(DomainError) as exc:
        redemption_report(actor=testing.make_consumer())
    assert exc.value.code == "permission_denied"

    api = Client(headers={"Authorization": f"Bearer {api_token_issue(user=world.owner)}"})
    url = "/api/v1/redeem/report"
    assert api.get(url, {"date_from": "2026-03-11", "date_to": "2026-03-10"}).json()["code"] == "invalid_input"
    assert api.get(url, {"date_from": "2025-01-01", "date_to": "2026-03-10"}).status_code == 400
    assert api.get(url, {"date_from": "2026-02-30"}).status_code == 422
    response = api.get(url, {"store_id": world.foreign_store.pk})
    assert (response.status_code, response.json()["code"]) == (404, "unknown_store")
    assert api.get(url, {"store_id": "x"}).status_code == 422
    consumer = Client(headers={"Authorization": f"Bearer {api_token_issue(user=testing.make_consumer())}"})
    assert consumer.get(url).status_code == 403

    page = Client()
    page.force_login(world.owner)
    path = reverse("orders:redemption_report")
    assert page.get(path, {"store": world.foreign_store.pk}).status_code == 404
    assert page.get(path, {"store": "junk"}).status_code == 404
    assert page.get(path, {"store": "39247694779243970560"}).status_code == 404
    assert api.get(url, {"store_id": "39247694779243970560"}).status_code == 422
    assert api.get(url, {"format": "pdf"}).status_code == 422
    # a refused range says so and shows the default 30 days
    response = page.get(path, {"date_from": "2026-03-11", "date_to": "2026-03-01"})
    assert response.status_code == 200 and response.context["report"].date_from == DAY2 - timedelta(days=29)
    assert page.get(path, {"date_from": "junk"}).status_code == 200


def test_the_api_gives_the_same_numbers(world):
    api = Client(headers={"Authorization": f"Bearer {api_token_issue(user=world.owner)}"})
    body = api.get("/api/v1/redeem/report", {"date_from": "2026-03-10", "date_to": "2026-03-11"}).json()
    assert body["total"] == {"day": None, "store_id": None, "store_name": "全部门店", "claimed": 6,
                             "claimed_redeemed": 4, "redemption_rate": "66.7", "redeemed": 4, "revenue_fen": 57000,
                             "revenue": "570.00", "pickups_waiting": 1, "pickups_done": 2,
                             "guide_commission_fen": 0}
    assert [d["day"] for d in body["days"]] == ["2026-03-10", "2026-03-11"]
    assert [(s["store_name"], s["redeemed"]) for s in body["days"][1]["stores"]] == [
        ("A店", 1), ("B店", 2), ("未归属门店", 0)]
    guide = Client(headers={"Authorization": f"Bearer {api_token_issue(user=world.guide_b.user)}"})
    body = guide.get("/api/v1/redeem/report", {"date_from": "2026-03-10", "date_to": "2026-03-11"}).json()
    assert body["store"] == {"id": world.b.pk, "name": "B店"} and body["total"]["revenue_fen"] == 25000


def test_the_exports_hold_the_report(world):
    page = Client()
    page.force_login(world.owner)
    path = reverse("orders:redemption_report")
    query = {"date_from": "2026-03-10", "date_to": "2026-03-11"}
    response = page.get(path, {**query, "format": "csv"})
    assert response["Content-Disposition"] == (
        f'attachment; filename="redemptions-merchant-{world.merchant.pk}-20260310-20260311.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = ["日期", "门店", "领取", "其中已核销", "核销率", "核销", "到店消费额", "待自提", "已自提", "导购佣金"]
    start = rows.index(header)
    assert rows[start + 1:] == [
        ["2026-03-10", "A店", "2", "2", "100.0%", "1", "120.00", "2", "0", "0.00"],
        ["2026-03-10", "B店", "2", "1", "50.0%", "0", "0.00", "1", "1", "0.00"],
        ["2026-03-10", "未归属门店", "0", "0", "", "0", "0.00", "0", "0", "0.00"],
        ["2026-03-10", "全部门店", "4", "3", "75.0%", "1", "120.00", "3", "1", "0.00"],
        ["2026-03-11", "A店", "1", "0", "0.0%", "1", "200.00", "1", "1", "0.00"],
        ["2026-03-11", "B店", "0", "0", "", "2", "250.00", "0", "0", "0.00"],
        ["2026-03-11", "未归属门店", "1", "1", "100.0%", "0", "0.00", "0", "0", "0.00"],
        ["2026-03-11", "全部门店", "2", "1", "50.0%", "3", "450.00", "1", "1", "0.00"],
        ["合计", "A店", "3", "2", "66.7%", "2", "320.00", "1", "1", "0.00"],
        ["合计", "B店", "2", "1", "50.0%", "2", "250.00", "0", "1", "0.00"],
        ["合计", "未归属门店", "1", "1", "100.0%", "0", "0.00", "0", "0", "0.00"],
        ["合计", "全部门店", "6", "4", "66.7%", "4", "570.00", "1", "2", "0.00"],
    ]
    response = page.get(path, {**query, "store": world.a.pk, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["门店", "A店", None]
    assert values[-1][:2] == ["合计", "A店"] and values[-1][2:] == [3, 2, "66.7%", 2, 320, 1, 1, 0]
    assert sheet.cell(row=sheet.max_row, column=7).number_format == "#,##0.00"


def test_the_page_shows_totals_chart_and_days_to_the_owner_and_a_guide(world):
    page = Client()
    page.force_login(world.owner)
    path = reverse("orders:redemption_report")
    html = page.get(path, {"date_from": "2026-03-10", "date_to": "2026-03-11"}).content.decode()
    assert 'data-key="redemption_rate">66.7%<' in html and 'data-key="revenue_fen">¥570.00<' in html
    assert "<svg class=\"rr-chart\"" in html and html.count('class="redeemed"') == 2
    assert 'id="report-stores"' in html and f'href="{path}"' in html  # the console navigation links it
    guide = Client()
    guide.force_login(world.guide_a.user)
    html = guide.get(path, {"date_from": "2026-03-10", "date_to": "2026-03-11"}).content.decode()
    assert 'id="report-store">A店<' in html and 'data-key="revenue_fen">¥320.00<' in html
    assert "stores:listings" not in html and 'id="id_store"' not in html
    for user in (testing.make_consumer(), world.foreign_owner):
        other = Client()
        other.force_login(user)
        status = other.get(path).status_code
        assert status in (302, 403) if user.role == "consumer" else status == 200
    # another merchant's owner sees only their own (empty) stores
    other = Client()
    other.force_login(world.foreign_owner)
    assert other.get(path).context["report"].stores[0].name == "别家店"


def test_guide_commissions_count_for_the_guides_store_on_the_day_booked_and_a_clawback_on_its_day(db):
    """5 % commission: B's guide brings an order on day 1 (99.00 → 4.95) that is refunded in full on
    day 2 (−4.95); A's pick-up is handed over by A's guide on day 2 (4.95)."""
    from linkmall.payments.services import refund_create
    from linkmall.referral.guide_pay import terms_set

    supplier = testing.make_supplier()
    staff = testing.make_supplier_staff(supplier)
    merchant = testing.make_merchant()
    listing = testing.make_listing(merchant, testing.make_product(supplier, price_fen=9900, cost_fen=5000,
                                                                  stock=10).skus.get(), price_fen=9900)
    a, b = testing.make_store(merchant, name="A店"), testing.make_store(merchant, name="B店")
    guide_a, guide_b = testing.make_guide(a), testing.make_guide(b)
    owner, buyer = testing.make_merchant_owner(merchant), testing.make_consumer()
    terms_set(actor=owner, merchant_id=merchant.pk, commission_percent="5", team_percent="0")

    clock.freeze(at(DAY1, 10))
    brought = order_place(buyer=buyer, merchant=merchant, lines=[(listing.pk, 1)], address=testing.make_address(buyer),
                          client_token="b", guide=guide_b)
    pay(brought)
    picked = order_place(buyer=buyer, merchant=merchant, lines=[(listing.pk, 1)], address=None, client_token="a",
                         fulfilment_mode="pickup", pickup_store=a)
    pay(picked)
    fulfilment_ship(actor=staff, fulfilment=picked.fulfilments.get(), carrier="SF", tracking_number="SF123456789")
    pickup_parcel_received(actor=owner, order_id=picked.pk)
    picked.refresh_from_db()
    clock.freeze(at(DAY2, 0, 30))
    redeem_code(actor=guide_a.user, code=picked.pickup_code)
    refund_create(actor=testing.make_platform_user(), order=brought, lines=None, reason="", idempotency_key="r")

    report = redemption_report(actor=owner, date_from=DAY1, date_to=DAY2)
    commissions = [[row.values["guide_commission_fen"] for row in day.stores] for day in report.days]
    assert commissions == [[0, 495], [495, -495]]
    assert [row.values["guide_commission_fen"] for row in report.store_totals] == [495, 0]
    assert report.total.values["guide_commission_fen"] == 495
