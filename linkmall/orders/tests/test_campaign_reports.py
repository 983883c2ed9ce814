"""Per-campaign reports (docs/specs/campaigns.md "Reports"): claims, uses, paid orders, revenue and
cost net of refunds, new customers, by day; the exports carry the same numbers; the queries do not
grow with the orders. Orders are placed, paid at the sandbox cashier and refunded through the real
services."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from linkmall import testing
from linkmall.campaigns.services import coupon_claim, coupon_issue
from linkmall.campaigns.tests.factories import T0, make_promotion, make_template
from linkmall.core import clock
from linkmall.core.errors import InvalidInput, NotFound, PermissionDenied
from linkmall.core.tables import csv_bytes, xlsx_bytes
from linkmall.ledger.models import OwnerKind
from linkmall.ledger.selectors import marketing_cost
from linkmall.orders.campaign_reports import campaign_report, report_table
from linkmall.orders.models import Order
from linkmall.orders.services import order_cancel, order_place
from linkmall.orders.tests.factories import make_shop
from linkmall.payments.services import refund_create
from linkmall.payments.tests.helpers import pay

pytestmark = pytest.mark.django_db

DAY1, DAY2, DAY3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)


class World:
    """Listing A at 100.00 and B at 50.00; the promotion 满100减10 (merchant-funded) and a platform-funded
    coupon of 15.00 without threshold.

    day 1: buyer 1 claims and buys 3 × A with the coupon: R 10.00, D 15.00, P 275.00 (first order);
           buyer 3 buys 1 × B (50.00, below the threshold: no campaign; their first order).
    day 2: buyer 2 buys A + B with the promotion (R 6.67 + 3.33, P 140.00; first order);
           buyer 3 claims and buys 1 × A with the coupon: R 10.00, D 15.00, P 75.00 (not new);
           buyer 2 places A again (promotion), and cancels it; buyer 4 places A and does not pay;
           buyer 2 claims a coupon and keeps it; a guide gives buyer 4 one.
    day 3: one unit of buyer 1's three is refunded: 91.66 back; R and D keep 2/3 (6.67, 10.00).
    """

    def __init__(self):
        clock.freeze(T0)
        shop = make_shop(skus_per_supplier=1, suppliers=2, price_fen=10000, cost_fen=4000)
        shop.listings[1].price_fen = 5000
        shop.listings[1].save(update_fields=["price_fen"])
        self.shop, self.merchant = shop, shop.merchant
        self.a, self.b = shop.listings[0].pk, shop.listings[1].pk
        self.owner = testing.make_merchant_owner(self.merchant)
        self.promotion = make_promotion(self.merchant)
        self.template = make_template(self.merchant, name="平台15元券", value=Decimal(1500), funder="platform",
                                      sources=["claim", "guide"])
        self.buyers = [shop.buyer, *(testing.make_consumer() for _ in range(3))]
        self._tokens = 0

        first = self.buy(0, [(self.a, 3)], coupon=self.claim(0))
        self.buy(2, [(self.b, 1)])
        clock.freeze(T0 + timedelta(days=1))
        self.buy(1, [(self.a, 1), (self.b, 1)])
        self.buy(2, [(self.a, 1)], coupon=self.claim(2))
        order_cancel(actor=self.buyers[1], order=self.place(1, [(self.a, 1)]))
        self.place(3, [(self.a, 1)])
        self.claim(1)
        coupon_issue(template=self.template, user=self.buyers[3], source="guide", key="guide:1")
        clock.freeze(T0 + timedelta(days=2))
        line = first.lines.get()
        refund_create(actor=self.owner, order=first, lines=[(line.pk, 1)], reason="", idempotency_key="r1")
        self.first = first

    def claim(self, i):
        return coupon_claim(user=self.buyers[i], template_id=self.template.pk)

    def place(self, i, lines, coupon=None):
        self._tokens += 1
        buyer = self.buyers[i]
        return order_place(buyer=buyer, merchant=self.merchant, lines=lines, address=testing.make_address(buyer),
                           client_token=f"t-{self._tokens}", coupon_id=coupon.pk if coupon else None)

    def buy(self, i, lines, coupon=None):
        order = self.place(i, lines, coupon)
        pay(order)
        return order

    def report(self, kind, campaign_id, **kwargs):
        return campaign_report(actor=self.owner, kind=kind, campaign_id=campaign_id,
                               date_from=kwargs.pop("date_from", DAY1), date_to=kwargs.pop("date_to", DAY3), **kwargs)


@pytest.fixture
def world():
    return World()


def numbers(row):
    return {"claims": row.claims, "uses": row.uses, "orders": row.orders, "revenue": row.revenue_fen,
            "merchant_cost": row.merchant_cost_fen, "platform_cost": row.platform_cost_fen, "cost": row.cost_fen,
            "new": row.new_customers, "per_new": row.cost_per_new_customer_fen}


def test_the_promotion_report_counts_its_orders_revenue_and_cost_net_of_the_refunded_unit(world):
    report = world.report("promotion", world.promotion.pk)

    assert Order.objects.get(pk=world.first.pk).refunded_fen == 9166
    # revenue 275.00 − 91.66 + 140.00 + 75.00; cost 6.67 (2 of 3 units of 10.00) + 10.00 + 10.00
    assert numbers(report.total) == {
        "claims": {}, "uses": 4, "orders": 3, "revenue": 18334 + 14000 + 7500, "merchant_cost": 667 + 1000 + 1000,
        "platform_cost": 0, "cost": 2667, "new": 2, "per_new": 1334}
    assert [(r.day, r.uses, r.orders, r.revenue_fen, r.cost_fen, r.new_customers) for r in report.days] == [
        (DAY1, 1, 1, 18334, 667, 1), (DAY2, 3, 2, 21500, 2000, 1), (DAY3, 0, 0, 0, 0, 0)]
    assert report.subject.label == "满100元减10元"


def test_the_coupon_report_counts_claims_by_source_uses_and_the_platforms_cost(world):
    report = world.report("coupon_template", world.template.pk)

    # cost 10.00 (2 of 3 units of 15.00) + 15.00, all the platform's; one new customer (buyer 1)
    assert numbers(report.total) == {
        "claims": {"claim": 3, "guide": 1}, "uses": 2, "orders": 2, "revenue": 18334 + 7500, "merchant_cost": 0,
        "platform_cost": 2500, "cost": 2500, "new": 1, "per_new": 2500}
    assert [(r.day, r.claims, r.uses, r.orders, r.cost_fen, r.new_customers) for r in report.days] == [
        (DAY1, {"claim": 1}, 1, 1, 1000, 1), (DAY2, {"claim": 2, "guide": 1}, 1, 1, 1500, 0),
        (DAY3, {}, 0, 0, 0, 0)]


def test_the_campaigns_costs_are_the_funders_marketing_cost_in_the_ledger(world):
    promotion = world.report("promotion", world.promotion.pk).total
    coupon = world.report("coupon_template", world.template.pk).total

    assert marketing_cost(owner_kind=OwnerKind.MERCHANT, owner_id=world.merchant.pk) == promotion.cost_fen == 2667
    assert marketing_cost(owner_kind=OwnerKind.PLATFORM, owner_id=0) == coupon.cost_fen == 2500


def test_a_shorter_period_sees_only_its_days(world):
    report = world.report("coupon_template", world.template.pk, date_from=DAY2, date_to=DAY2)

    assert [r.day for r in report.days] == [DAY2]
    assert numbers(report.total) == {
        "claims": {"claim": 2, "guide": 1}, "uses": 1, "orders": 1, "revenue": 7500, "merchant_cost": 0,
        "platform_cost": 1500, "cost": 1500, "new": 0, "per_new": None}


def test_the_default_period_is_the_last_30_days(world):
    report = campaign_report(actor=world.owner, kind="promotion", campaign_id=world.promotion.pk)

    assert (report.date_from, report.date_to, len(report.days)) == (DAY3 - timedelta(days=29), DAY3, 30)
    assert report.total.orders == 3


def test_the_exports_hold_the_same_numbers(world):
    report = world.report("coupon_template", world.template.pk)
    table = report_table(report)

    sheet = load_workbook(io.BytesIO(xlsx_bytes([table]))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(rows) if r[0] == "日期")
    header, body = rows[header_at], rows[header_at + 1:]
    total = dict(zip(header, body[-1], strict=True))
    assert (total["日期"], total["领取·领券中心"], total["领取·导购发券"], total["领取合计"], total["使用"], total["订单"]) == (
        "合计", 3, 1, 4, 2, 2)
    assert (total["成交额"], total["优惠成本"], total["其中平台出资"], total["新客"], total["新客成本"]) == (
        258.34, 25, 25, 1, 25)  # the workbook keeps the exact yuan; openpyxl reads numbers back as float
    assert [r[0] for r in body] == ["2026-11-01", "2026-11-02", "2026-11-03", "合计"]
    assert sheet.cell(row=header_at + 2 + 3, column=header.index("成交额") + 1).number_format == "#,##0.00"

    text = csv_bytes(table).decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    csv_header_at = next(i for i, r in enumerate(lines) if r and r[0] == "日期")
    csv_total = dict(zip(lines[csv_header_at], lines[-1], strict=True))
    assert (csv_total["成交额"], csv_total["优惠成本"], csv_total["新客成本"], csv_total["领取合计"]) == (
        "258.34", "25.00", "25.00", "4")


def test_the_report_takes_the_same_queries_however_many_orders(world, django_assert_num_queries):
    with django_assert_num_queries(4):
        world.report("coupon_template", world.template.pk)
    with django_assert_num_queries(3):
        world.report("promotion", world.promotion.pk)
    for _ in range(3):
        world.buyers.append(testing.make_consumer())
        world.buy(len(world.buyers) - 1, [(world.a, 2)], coupon=world.claim(len(world.buyers) - 1))

    with django_assert_num_queries(4):
        report = world.report("coupon_template", world.template.pk)
    with django_assert_num_queries(3):
        promotion = world.report("promotion", world.promotion.pk)
    assert (report.total.orders, promotion.total.orders) == (5, 6)


def test_another_merchants_campaign_is_not_found_and_a_consumer_may_not_look(world):
    stranger = testing.make_merchant_owner(testing.make_merchant())
    with pytest.raises(NotFound):
        campaign_report(actor=stranger, kind="promotion", campaign_id=world.promotion.pk)
    with pytest.raises(NotFound):
        campaign_report(actor=world.owner, kind="flash_sale", campaign_id=world.promotion.pk)
    with pytest.raises(PermissionDenied):
        campaign_report(actor=world.buyers[0], kind="promotion", campaign_id=world.promotion.pk)
    platform = campaign_report(actor=testing.make_platform_user(), kind="promotion", campaign_id=world.promotion.pk,
                               date_from=DAY1, date_to=DAY3)
    assert platform.total.orders == 3


def test_a_backwards_or_too_long_period_is_refused(world):
    with pytest.raises(InvalidInput) as backwards:
        world.report("promotion", world.promotion.pk, date_from=DAY3, date_to=DAY1)
    with pytest.raises(InvalidInput) as too_long:
        world.report("promotion", world.promotion.pk, date_from=DAY1 - timedelta(days=400))
    assert backwards.value.detail == too_long.value.detail == {"field": "date_to"}


# --- the console page and the API ------------------------------------------------------------------


def page_url(kind, campaign_id, **query):
    from urllib.parse import urlencode

    from django.urls import reverse

    url = reverse("orders:campaign_report", args=[kind, campaign_id])
    return f"{url}?{urlencode(query)}" if query else url


def test_the_console_page_shows_the_totals_and_every_day(client, world):
    from linkmall.web.tests.html import parse, text_of

    client.force_login(world.owner)
    response = client.get(page_url("promotion", world.promotion.pk, date_from="2026-11-01", date_to="2026-11-03"))

    assert response.status_code == 200
    html = response.text
    totals = {a["data-key"]: None for tag, a in parse(html).elements if "data-key" in a}
    assert set(totals) == {"uses", "orders", "revenue", "cost", "new_customers", "cost_per_new_customer"}
    assert text_of(html, "report-total").split()[1:] == [
        "2026-11-01", "—", "2026-11-03", "使用", "4", "订单", "3", "成交额", "¥398.34", "优惠成本", "¥26.67", "新客", "2",
        "新客成本", "¥13.34", "订单、成交额、优惠成本和新客按付款日统计，已扣除退款；新客指在本店的首笔付款订单使用了本活动的顾客。"]
    assert text_of(html, "report-days").split("合计")[1].split() == ["4", "3", "398.34", "26.67", "2"]
    links = {a.get("id"): a["href"] for tag, a in parse(html).elements if tag == "a" and a.get("id", "").startswith("export")}
    assert links == {"export-xlsx": "?date_from=2026-11-01&date_to=2026-11-03&format=xlsx",
                     "export-csv": "?date_from=2026-11-01&date_to=2026-11-03&format=csv"}


def test_the_console_page_downloads_the_same_table(client, world):
    client.force_login(world.owner)
    query = {"date_from": "2026-11-01", "date_to": "2026-11-03"}

    xlsx = client.get(page_url("coupon_template", world.template.pk, format="xlsx", **query))
    text = client.get(page_url("coupon_template", world.template.pk, format="csv", **query))

    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx["Content-Disposition"] == (
        f'attachment; filename="campaign-coupon_template-{world.template.pk}-20261101-20261103.xlsx"')
    total = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in total[total.max_row]][-8:] == [2, 2, 258.34, 25, 0, 25, 1, 25]
    assert text.content.decode("utf-8").splitlines()[-1].split(",")[-8:] == [
        "2", "2", "258.34", "25.00", "0.00", "25.00", "1", "25.00"]


def test_the_console_page_of_another_merchants_campaign_is_404_and_a_bad_range_falls_back(client, world):
    client.force_login(testing.make_merchant_owner(testing.make_merchant()))
    assert client.get(page_url("promotion", world.promotion.pk)).status_code == 404

    client.force_login(world.owner)
    assert client.get(page_url("lottery", world.promotion.pk)).status_code == 404
    backwards = client.get(page_url("promotion", world.promotion.pk, date_from="2026-11-03", date_to="2026-11-01"))
    assert backwards.status_code == 200
    assert [str(m) for m in backwards.context["messages"]] == ["date_to is before date_from."]
    assert (backwards.context["report"].date_from, backwards.context["report"].date_to) == (
        DAY3 - timedelta(days=29), DAY3)


def test_the_campaigns_console_links_each_campaign_to_its_report_and_the_merchant_nav_links_the_console(
        client, world):
    from django.urls import reverse

    from linkmall.web.tests.html import parse

    client.force_login(world.owner)
    html = client.get(reverse("campaigns:console")).text
    hrefs = [a["href"] for tag, a in parse(html).elements if tag == "a" and "href" in a]

    assert page_url("promotion", world.promotion.pk) in hrefs
    assert page_url("coupon_template", world.template.pk) in hrefs
    listings = client.get(reverse("stores:listings")).text
    nav = [(a["href"], a.get("class")) for tag, a in parse(listings).elements if tag == "a"
           and a.get("href") == reverse("campaigns:console")]
    assert nav == [(reverse("campaigns:console"), None)]
    on_console = [a.get("class") for tag, a in parse(html).elements if tag == "a"
                  and a.get("href") == reverse("campaigns:console")]
    assert "is-active" in on_console


def test_the_api_answers_the_report_as_json_and_as_excel(client, world):
    from linkmall.accounts.services.tokens import api_token_issue

    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=world.owner)}"}
    url = f"/api/v1/campaigns/reports/coupon_template/{world.template.pk}"

    body = client.get(url, {"date_from": "2026-11-01", "date_to": "2026-11-03"}, **auth).json()
    excel = client.get(url, {"date_from": "2026-11-01", "date_to": "2026-11-03", "format": "xlsx"}, **auth)
    bad = client.get(url, {"date_from": "2026-11-03", "date_to": "2026-11-01"}, **auth)
    other = client.get(f"/api/v1/campaigns/reports/promotion/{world.promotion.pk + 1000}", **auth)

    assert body["campaign"] == {"kind": "coupon_template", "id": world.template.pk, "merchant_id": world.merchant.pk,
                                "name": "平台15元券", "label": "无门槛减15元", "metrics": []}
    assert body["total"] == {
        "day": None, "claims": {"claim": 3, "guide": 1}, "claims_total": 4, "uses": 2, "orders": 2,
        "revenue_fen": 25834, "revenue": "258.34", "cost_fen": 2500, "cost": "25.00", "merchant_cost_fen": 0,
        "platform_cost_fen": 2500, "new_customers": 1, "cost_per_new_customer_fen": 2500,
        "cost_per_new_customer": "25.00", "metrics": {}}
    assert [d["day"] for d in body["days"]] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert excel.status_code == 200 and excel.content[:2] == b"PK"
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_input")
    assert other.status_code == 404
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/campaigns/reports/{kind}/{campaign_id}" in schema["paths"]
