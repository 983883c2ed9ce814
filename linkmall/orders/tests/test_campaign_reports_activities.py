"""The reports of flash sales and bargains (`orders.campaign_subjects`): participants, units sold,
revenue and cost (L − A by the funder) net of a refunded unit, new customers, an activity's own
metrics by day and in total, a cancelled order not counted; the same numbers in the exports, the
console and the API, in a bounded number of queries. Orders go through the real services."""

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from linkmall import testing as t
from linkmall.campaigns.models import Bargain, GroupBuyMember
from linkmall.campaigns.services.bargain import BargainFields, bargain_activity_create, bargain_help, bargain_start
from linkmall.campaigns.services.flash import FlashSaleFields, flash_sale_create
from linkmall.campaigns.services.group import GroupBuyFields, group_buy_create
from linkmall.campaigns.tests.factories import T0
from linkmall.core import clock
from linkmall.core.errors import NotFound
from linkmall.core.tables import xlsx_bytes
from linkmall.core.tasks import run_due
from linkmall.ledger.models import OwnerKind
from linkmall.ledger.selectors import marketing_cost
from linkmall.orders.bargain import bargain_buy
from linkmall.orders.campaign_reports import campaign_report, report_table
from linkmall.orders.flash import flash_attempt
from linkmall.orders.group import group_join_attempt, group_open_attempt
from linkmall.orders.services import order_cancel, order_place
from linkmall.payments.group_refunds import group_deadlines_run
from linkmall.payments.services import refund_create
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db

PRICE, COST, FLASH, FLOOR = 10000, 4000, 5900, 5900
DAY1, DAY2, DAY3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)


@pytest.fixture
def mall():
    clock.freeze(T0)
    supplier, merchant = t.make_supplier(), t.make_merchant()
    product = t.make_product(supplier, cost_fen=COST, price_fen=PRICE, stock=100)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=PRICE)
    return {"merchant": merchant, "listing": listing, "owner": t.make_merchant_owner(merchant),
            "operator": t.make_platform_user()}


def shopper():
    user = t.make_consumer()
    return user, t.make_address(user)


def numbers(row):
    return {"uses": row.uses, "orders": row.orders, "revenue": row.revenue_fen, "merchant_cost": row.merchant_cost_fen,
            "platform_cost": row.platform_cost_fen, "new": row.new_customers, "metrics": row.metrics}


def report(mall, kind, campaign_id):
    return campaign_report(actor=mall["owner"], kind=kind, campaign_id=campaign_id, date_from=DAY1, date_to=DAY3)


class FlashWorld:
    """A merchant-funded sale at 59.00 (list 100.00), two per buyer, on day 1 from 11:00 to 13:00.

    buyer 1 takes 2 units and pays: their first purchase (new); buyer 2 bought at the shop before
    (not new) and takes 1 unit; buyer 3 takes 1 unit and cancels (a participant, nothing sold);
    buyer 2 takes another unit in a second attempt and pays (one participant, two entries).
    day 3: one of buyer 1's two units is refunded (59.00 back).
    """

    def __init__(self, mall):
        self.mall = mall
        self.sale = flash_sale_create(actor=mall["owner"], merchant=mall["merchant"], fields=FlashSaleFields(
            listing_id=mall["listing"].pk, name="11点秒杀", starts_at=T0 + timedelta(hours=1),
            ends_at=T0 + timedelta(hours=3), price_fen=FLASH, stock=10, per_user_limit=2))
        self.buyers = [shopper() for _ in range(3)]
        user, address = self.buyers[1]
        pay(order_place(buyer=user, merchant=mall["merchant"], lines=[(mall["listing"].pk, 1)], address=address,
                        client_token="before"))
        clock.freeze(T0 + timedelta(hours=1))
        self.first = self.attempt(0, 2, "f-1")
        pay(self.first)
        pay(self.attempt(1, 1, "f-2"))
        order_cancel(actor=self.buyers[2][0], order=self.attempt(2, 1, "f-3"))
        pay(self.attempt(1, 1, "f-4"))
        clock.freeze(T0 + timedelta(days=2))
        refund_create(actor=mall["owner"], order=self.first, lines=[(self.first.lines.get().pk, 1)], reason="",
                      idempotency_key="flash-r1")

    def attempt(self, i, quantity, token):
        user, address = self.buyers[i]
        return flash_attempt(buyer=user, sale_id=self.sale.pk, address=address, client_token=token, quantity=quantity)


def test_the_flash_report_counts_participants_units_revenue_and_cost_net_of_the_refunded_unit(mall):
    world = FlashWorld(mall)

    result = report(mall, "flash", world.sale.pk)

    # revenue 2 × 59.00 − 59.00 + 59.00 + 59.00; cost L − A = 41.00 a unit over the 3 units not refunded
    assert numbers(result.total) == {
        "uses": 3, "orders": 3, "revenue": 3 * FLASH, "merchant_cost": 3 * (PRICE - FLASH), "platform_cost": 0,
        "new": 1, "metrics": {"participants": 3, "units": 3}}
    assert [(r.day, r.orders, r.revenue_fen, r.cost_fen, r.metrics) for r in result.days] == [
        (DAY1, 3, 3 * FLASH, 3 * (PRICE - FLASH), {"participants": 3, "units": 3}),
        (DAY2, 0, 0, 0, {"participants": 0, "units": 0}), (DAY3, 0, 0, 0, {"participants": 0, "units": 0})]
    assert result.total.cost_per_new_customer_fen == 3 * (PRICE - FLASH)
    assert (result.subject.kind, result.subject.name, [m.key for m in result.subject.metrics]) == (
        "flash", "11点秒杀", ["participants", "units"])
    assert result.subject.label.endswith("秒杀价 ¥59.00")
    # nothing else was discounted: the report's cost is the merchant's marketing cost in the ledger
    assert marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=mall["merchant"].pk) == 3 * (PRICE - FLASH)


class BargainWorld:
    """A platform-funded bargain 100.00 → 59.00 with two friends, cuts fixed at 30.00 and 11.00.

    day 1: buyer 1 starts; friends 1 and 2 cut it to the floor; buyer 1 buys at 59.00 and pays (new).
    day 2: buyer 2 starts; friend 1 cuts 30.00; buyer 2 buys at 70.00 and cancels (the bargain
           reopens), buys again and pays (new); buyer 3 starts and does nothing.
    day 3: buyer 1's unit is refunded in full.
    """

    def __init__(self, mall):
        self.mall = mall
        self.activity = bargain_activity_create(
            actor=mall["operator"], merchant=mall["merchant"], fields=BargainFields(
                listing_id=mall["listing"].pk, name="砍到59", floor_fen=FLOOR, helpers_needed=2, starts_at=T0,
                ends_at=T0 + timedelta(days=7), funder="platform"))
        buyers, friends = [shopper() for _ in range(3)], [t.make_consumer() for _ in range(2)]
        first = self.start(buyers[0])
        bargain_help(helper=friends[0], bargain_id=first.pk)
        bargain_help(helper=friends[1], bargain_id=first.pk)
        self.first = self.buy(first, buyers[0], "b-1")
        pay(self.first)
        clock.freeze(T0 + timedelta(days=1))
        second = self.start(buyers[1])
        bargain_help(helper=friends[0], bargain_id=second.pk)
        order_cancel(actor=buyers[1][0], order=self.buy(second, buyers[1], "b-2"))
        pay(self.buy(second, buyers[1], "b-3"))
        self.start(buyers[2])
        clock.freeze(T0 + timedelta(days=2))
        refund_create(actor=mall["owner"], order=self.first, lines=None, reason="", idempotency_key="bargain-r1")

    def start(self, who):
        bargain = bargain_start(buyer=who[0], activity_id=self.activity.pk)
        Bargain.objects.filter(pk=bargain.pk).update(cuts=[3000, 1100])
        return bargain

    def buy(self, bargain, who, token):
        return bargain_buy(buyer=who[0], bargain_id=bargain.pk, address=who[1], client_token=token)


def test_the_bargain_report_counts_starts_distinct_helpers_bought_units_and_the_platforms_cost(mall):
    world = BargainWorld(mall)

    result = report(mall, "bargain", world.activity.pk)

    # buyer 1's order still counts as an order and a new customer, with nothing left of it; buyer 2
    # paid 70.00 (cost 30.00 to the platform); the cancelled order counts nowhere
    assert numbers(result.total) == {
        "uses": 2, "orders": 2, "revenue": 7000, "merchant_cost": 0, "platform_cost": 3000, "new": 2,
        "metrics": {"started": 3, "helpers": 2, "bought": 2, "units": 1}}
    assert [(r.day, r.uses, r.orders, r.revenue_fen, r.platform_cost_fen, r.new_customers, r.metrics)
            for r in result.days] == [
        (DAY1, 1, 1, 0, 0, 1, {"started": 1, "helpers": 2, "bought": 1, "units": 0}),
        (DAY2, 1, 1, 7000, 3000, 1, {"started": 2, "helpers": 1, "bought": 1, "units": 1}),
        (DAY3, 0, 0, 0, 0, 0, {"started": 0, "helpers": 0, "bought": 0, "units": 0})]
    # friend 1 helped on both days: once in the total
    assert result.subject.label == f"{mall['listing'].product.name} ¥100.00 砍至 ¥59.00，2 位好友"
    assert marketing_cost(owner_kind=OwnerKind.PLATFORM, owner_id=0) == 3000


def test_the_flash_report_takes_the_same_queries_however_many_orders(mall, django_assert_num_queries):
    world = FlashWorld(mall)
    # the resolver, uses, the order days, then one query per metric (two for a distinct one)
    with django_assert_num_queries(6):
        report(mall, "flash", world.sale.pk)
    clock.freeze(T0 + timedelta(hours=2))
    for i in range(3):
        who = shopper()
        pay(flash_attempt(buyer=who[0], sale_id=world.sale.pk, address=who[1], client_token=f"x{i}"))

    with django_assert_num_queries(6):
        more = report(mall, "flash", world.sale.pk)
    assert (more.total.orders, more.total.metrics) == (6, {"participants": 6, "units": 6})


def test_the_bargain_report_takes_the_same_queries_however_many_orders(mall, django_assert_num_queries):
    world = BargainWorld(mall)
    with django_assert_num_queries(8):
        report(mall, "bargain", world.activity.pk)
    for i in range(2):
        who = shopper()
        pay(world.buy(world.start(who), who, f"y{i}"))

    with django_assert_num_queries(8):
        more = report(mall, "bargain", world.activity.pk)
    assert (more.total.orders, more.total.metrics) == (4, {"started": 5, "helpers": 2, "bought": 4, "units": 3})


def test_the_exports_carry_the_activitys_columns(mall):
    world = BargainWorld(mall)
    table = report_table(report(mall, "bargain", world.activity.pk))

    sheet = load_workbook(io.BytesIO(xlsx_bytes([table]))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if r[0] == "日期")
    total = dict(zip(header, rows[-1], strict=True))
    assert header[:5] == ["日期", "发起砍价", "帮砍好友", "砍价成交", "售出件数"]
    assert (total["发起砍价"], total["帮砍好友"], total["砍价成交"], total["售出件数"], total["成交额"],
            total["其中平台出资"], total["新客"]) == (3, 2, 2, 1, 70, 30, 2)


def test_another_merchants_flash_sale_or_bargain_is_not_found(mall):
    flash, bargain = FlashWorld(mall), BargainWorld(mall)
    stranger = t.make_merchant_owner(t.make_merchant())
    for kind, campaign_id in (("flash", flash.sale.pk), ("bargain", bargain.activity.pk)):
        with pytest.raises(NotFound):
            campaign_report(actor=stranger, kind=kind, campaign_id=campaign_id)
        with pytest.raises(NotFound):
            campaign_report(actor=mall["owner"], kind=kind, campaign_id=campaign_id + 1000)
    platform = campaign_report(actor=mall["operator"], kind="flash", campaign_id=flash.sale.pk, date_from=DAY1,
                               date_to=DAY3)
    assert platform.total.metrics == {"participants": 3, "units": 3}


def test_the_consoles_link_each_activity_to_its_report_and_the_page_shows_its_metrics(client, mall):
    flash, bargain = FlashWorld(mall), BargainWorld(mall)
    client.force_login(mall["owner"])
    flash_url = reverse("orders:campaign_report", args=["flash", flash.sale.pk])
    bargain_url = reverse("orders:campaign_report", args=["bargain", bargain.activity.pk])

    assert f'href="{flash_url}"' in client.get(reverse("campaigns:flash_console")).content.decode()
    assert f'href="{bargain_url}"' in client.get(reverse("campaigns:bargain_console")).content.decode()
    page = client.get(f"{bargain_url}?date_from=2026-11-01&date_to=2026-11-03").content.decode()
    assert '<dt>帮砍好友</dt><dd data-key="helpers">2</dd>' in page
    assert '<dt>售出件数</dt><dd data-key="units">1</dd>' in page
    assert f'href="{reverse("campaigns:bargain_console")}" id="report-back"' in page
    flash_page = client.get(f"{flash_url}?date_from=2026-11-01&date_to=2026-11-03").content.decode()
    assert '<dt>参与人数</dt><dd data-key="participants">3</dd>' in flash_page
    assert f'href="{reverse("campaigns:flash_console")}" id="report-back"' in flash_page


def test_the_api_answers_an_activitys_report_with_its_metrics_and_as_excel_or_csv(client, mall):
    from linkmall.accounts.services.tokens import api_token_issue

    world = FlashWorld(mall)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=mall['owner'])}"}
    url = f"/api/v1/campaigns/reports/flash/{world.sale.pk}"
    period = {"date_from": "2026-11-01", "date_to": "2026-11-03"}

    body = client.get(url, period, **auth).json()
    excel = client.get(url, {**period, "format": "xlsx"}, **auth)
    text = client.get(url, {**period, "format": "csv"}, **auth)

    assert body["campaign"]["metrics"] == [{"key": "participants", "label": "参与人数"},
                                           {"key": "units", "label": "售出件数"}]
    assert (body["total"]["metrics"], body["total"]["revenue"], body["total"]["cost"]) == (
        {"participants": 3, "units": 3}, "177.00", "123.00")
    assert excel.status_code == 200 and excel.content[:2] == b"PK"
    assert excel["Content-Disposition"] == f'attachment; filename="campaign-flash-{world.sale.pk}-20261101-20261103.xlsx"'
    assert text.content.decode("utf-8").splitlines()[-1].split(",")[:3] == ["合计", "3", "3"]


def test_the_group_report_counts_groups_opened_formed_and_failed_and_nets_the_failed_groups_refund(mall):
    """A 2 人团 at 75.00 (list 100.00). Day 1: buyers 1 and 2 form a group; buyer 3 opens one and
    pays, nobody joins. Day 2: its deadline passes, it fails and buyer 3 is refunded in full."""
    group_price = 7500
    activity = group_buy_create(actor=mall["owner"], merchant=mall["merchant"], fields=GroupBuyFields(
        listing_id=mall["listing"].pk, name="两人团", size=2, price_fen=group_price, stock=10, starts_at=T0,
        ends_at=T0 + timedelta(days=5), hours=24))
    buyers = [shopper() for _ in range(3)]
    first = group_open_attempt(buyer=buyers[0][0], activity_id=activity.pk, address=buyers[0][1], client_token="g1")
    pay(first)
    group_id = GroupBuyMember.objects.get(order_id=first.pk).group_id
    pay(group_join_attempt(buyer=buyers[1][0], group_id=group_id, address=buyers[1][1], client_token="g2"))
    pay(group_open_attempt(buyer=buyers[2][0], activity_id=activity.pk, address=buyers[2][1], client_token="g3"))
    clock.freeze(T0 + timedelta(days=1, minutes=1))
    group_deadlines_run()
    run_due()

    result = report(mall, "group", activity.pk)

    metrics = {"participants": 3, "groups_opened": 2, "groups_formed": 1, "groups_failed": 1, "units": 2}
    # the failed group's order still counts as paid; its revenue and its unit are refunded
    assert numbers(result.total) == {
        "uses": 3, "orders": 3, "revenue": 2 * group_price, "merchant_cost": 2 * (PRICE - group_price),
        "platform_cost": 0, "new": 3, "metrics": metrics}
    assert [r.metrics for r in result.days] == [
        {"participants": 3, "groups_opened": 2, "groups_formed": 1, "groups_failed": 0, "units": 2},
        {"participants": 0, "groups_opened": 0, "groups_formed": 0, "groups_failed": 1, "units": 0},
        {"participants": 0, "groups_opened": 0, "groups_formed": 0, "groups_failed": 0, "units": 0}]
    assert result.subject.label.endswith("2 人团 ¥75.00")
    assert marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=mall["merchant"].pk) == 2 * (PRICE - group_price)
