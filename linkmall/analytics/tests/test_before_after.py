"""The before/after table (转型成效, docs/analytics.md "Before/after"): October 2026 against November
2026 of the hand-made history in test_kpis.py, the change columns, the page, its downloads, the API,
bad input and who may see it."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from linkmall.accounts.services.tokens import api_token_issue
from linkmall.analytics.before_after import LINES, before_after
from linkmall.analytics.before_after import as_json as before_after_json
from linkmall.analytics.before_after import change_of as change
from linkmall.analytics.kpis import KPI_KEYS
from linkmall.analytics.tests.test_kpis import NOV_FROM, NOV_TO, local, mall  # noqa: F401 (the fixture)
from linkmall.core import clock
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.core.tables import MONEY_FORMAT, PERCENT_FORMAT
from linkmall.testing import (
    make_consumer,
    make_guide,
    make_merchant,
    make_merchant_owner,
    make_platform_user,
    make_store,
    make_supplier,
    make_supplier_staff,
)

pytestmark = pytest.mark.django_db

OCT_FROM, OCT_TO = date(2026, 10, 1), date(2026, 10, 31)
PAGE = "/console/merchant/analytics/before-after/"
API = "/api/v1/analytics/before-after"
OCT_NOV = {"before_from": "2026-10-01", "before_to": "2026-10-31", "after_from": "2026-11-01",
           "after_to": "2026-11-30"}
LINE = {line.key: line for line in LINES}


def oct_nov(mall, **kw):  # noqa: F811 (the fixture's name)
    return before_after(merchant_id=mall["merchant"].pk, before_from=OCT_FROM, before_to=OCT_TO,
                        after_from=NOV_FROM, after_to=NOV_TO, **kw)


def rows_of(data):
    return {row["key"]: (row["before"], row["after"], row["change"], row["change_percent"], row["change_points"])
            for row in data["kpis"]}


def test_the_keys_are_the_kpis():
    assert tuple(LINE) == KPI_KEYS


def test_the_change_columns():
    def change_of(line, before, after):
        c = change(line, before, after)
        assert (c.before, c.after) == (before, after)
        return c.delta, c.percent, c.points

    money, count, number, rate = LINE["sales"], LINE["orders"], LINE["frequency"], LINE["repurchase_rate"]
    assert change_of(money, 80_00, 370_00) == (290_00, Decimal("362.5"), None)
    assert change_of(money, 370_00, 80_00) == (-290_00, Decimal("-78.4"), None)  # −290 ÷ 370
    assert change_of(count, 3, 3) == (0, Decimal("0.0"), None)
    assert change_of(count, 0, 4) == (4, None, None)  # nothing to be relative to
    assert change_of(number, Decimal("1.0000"), Decimal("1.3333")) == (Decimal("0.3333"), Decimal("33.3"), None)
    assert change_of(rate, Decimal("0.0000"), Decimal("0.3333")) == (None, None, Decimal("33.3300"))
    assert change_of(rate, Decimal("0.5"), Decimal("0.25")) == (None, None, Decimal("-25.00"))
    for line in (money, count, number, rate):
        assert change_of(line, None, 5) == (None, None, None)
        assert change_of(line, 5, None) == (None, None, None)
        assert change_of(line, None, None) == (None, None, None)


def test_october_against_november(mall):  # noqa: F811
    data = before_after_json(oct_nov(mall))
    assert data["before"] == {"date_from": OCT_FROM, "date_to": OCT_TO, "days": 31}
    assert data["after"] == {"date_from": NOV_FROM, "date_to": NOV_TO, "days": 30}
    assert data["store"] is None
    assert [row["key"] for row in data["kpis"]] == list(KPI_KEYS)
    # October: only Bob's b0 (80.00, new: his first order), Alice private, 5.00 of discounts
    assert rows_of(data) == {
        "sales": ("80.00", "370.00", "290.00", 362.5, None),
        "orders": (1, 4, 3, 300.0, None),
        "buyers": (1, 3, 2, 200.0, None),
        "aov": ("80.00", "92.50", "12.50", 15.6, None),          # 12.50 ÷ 80 = 15.625 %
        "repurchase_rate": (0.0, 0.3333, None, None, 33.33),
        "frequency": (1.0, 1.3333, 0.3333, 33.3, None),
        "frequency_per_year": (11.7742, 16.2222, 4.448, 37.8, None),  # 365 ÷ 31; 4.448 ÷ 11.7742
        "new_customers": (1, 2, 1, 100.0, None),
        "private_users": (1, 3, 2, 200.0, None),
        "marketing_cost": ("5.00", "23.00", "18.00", 360.0, None),
        "cac": ("5.00", "11.50", "6.50", 130.0, None),
        "inventory_turnover": (None, None, None, None, None),
        "slow_mover_share": (0.5, 0.5, None, None, 0.0),        # October: l2 sold (b0), l1 not
        "loss_rate": (None, None, None, None, None),
    }
    assert {row["key"] for row in data["kpis"] if not row["computed"]} == {"inventory_turnover", "loss_rate"}
    assert data["kpis"][0]["label"] == "销售额"


def test_an_empty_before_period_gives_nulls_not_errors(mall):  # noqa: F811
    result = before_after(merchant_id=mall["merchant"].pk, before_from=date(2026, 9, 1), before_to=date(2026, 9, 30),
                          after_from=NOV_FROM, after_to=NOV_TO)
    rows = rows_of(before_after_json(result))
    assert rows["sales"] == ("0.00", "370.00", "370.00", None, None)
    assert rows["orders"] == (0, 4, 4, None, None)
    assert rows["aov"] == (None, "92.50", None, None, None)
    assert rows["repurchase_rate"] == (None, 0.3333, None, None, None)
    assert rows["cac"] == (None, "11.50", None, None, None)
    assert rows["private_users"] == (0, 3, 3, None, None)  # Alice was first seen on Oct 1


def test_one_store_and_bad_input(mall):  # noqa: F811
    rows = rows_of(before_after_json(oct_nov(mall, store_id=mall["s2"].pk)))
    assert rows["sales"] == ("0.00", "70.00", "70.00", None, None)  # a2 30 + e1 40; b0 was S1's
    with pytest.raises(NotFound) as exc:
        oct_nov(mall, store_id=make_store(make_merchant()).pk)
    assert exc.value.code == "unknown_store"
    m = mall["merchant"].pk
    for periods in ((OCT_TO, OCT_FROM, NOV_FROM, NOV_TO), (OCT_FROM, OCT_TO, NOV_TO, NOV_FROM),
                    (date(2025, 10, 1), OCT_TO, NOV_FROM, NOV_TO)):
        with pytest.raises(InvalidInput):
            before_after(merchant_id=m, before_from=periods[0], before_to=periods[1], after_from=periods[2],
                         after_to=periods[3])


# --- the page -------------------------------------------------------------------------------------


def owner_client(client, mall):  # noqa: F811
    owner = make_merchant_owner(mall["merchant"])
    client.force_login(owner)
    return owner


def cells_of(html: str, key: str) -> list[str]:
    import re

    found = re.search(rf'<tr data-key="{key}">(.*?)</tr>', html, re.S)
    assert found is not None, key
    row = found.group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r'data-col="\w+">(.*?)</td>', row, re.S)]


def test_the_page(client, mall):  # noqa: F811
    owner_client(client, mall)
    response = client.get(PAGE, OCT_NOV)
    assert response.status_code == 200
    html = response.content.decode()
    assert cells_of(html, "sales") == ["¥80.00", "¥370.00", "+¥290.00", "+362.5%"]
    assert cells_of(html, "orders") == ["1", "4", "+3", "+300.0%"]
    assert cells_of(html, "repurchase_rate") == ["0.00%", "33.33%", "+33.33 个百分点", "—"]
    assert cells_of(html, "slow_mover_share") == ["50.00%", "50.00%", "+0.00 个百分点", "—"]
    assert cells_of(html, "loss_rate") == ["—", "—", "—", "—"]
    for label in ("销售额", "订单数", "购买人数", "客单价", "复购率", "购买频次", "年化购买频次", "新客数",
                  "私域用户数", "营销费用", "获客成本", "库存周转率", "滞销品占比", "损耗率"):
        assert label in html
    assert "库存周转率、损耗率尚未计算" in html
    assert 'class="table-wrap"' in html
    assert f'href="{reverse("analytics:before_after")}" class="is-active" aria-current="page">转型成效' in html
    assert "format=xlsx" in html and "before_from=2026-10-01" in html


def test_the_page_defaults_to_the_last_90_days_and_the_90_before(client, mall):  # noqa: F811
    owner_client(client, mall)
    with clock.frozen(local(5, hour=12, month=12)):
        response = client.get(PAGE)
    assert response.status_code == 200
    today = date(2026, 12, 5)
    assert response.context["values"] == {
        "after_to": "2026-12-05", "after_from": f"{today - timedelta(days=89)}",
        "before_to": f"{today - timedelta(days=90)}", "before_from": f"{today - timedelta(days=179)}"}
    # after: Sep 7 – Dec 5 holds b0 80, November's 370 and Dave's d1 70 (Dec 1)
    assert cells_of(response.content.decode(), "sales") == ["¥0.00", "¥520.00", "+¥520.00", "—"]


def test_the_downloads(client, mall):  # noqa: F811
    owner_client(client, mall)
    response = client.get(PAGE, {**OCT_NOV, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="before-after-merchant-{mall["merchant"].pk}-20261001-20261031-20261101-20261130.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {row[0].value: row for row in sheet.iter_rows() if row[0].value in ("销售额", "复购率", "订单数", "损耗率")}
    sales = rows["销售额"]
    assert [c.value for c in sales[:5]] == ["销售额", 80, 370, 290, 3.625]
    assert [c.number_format for c in sales[1:5]] == [MONEY_FORMAT, MONEY_FORMAT, MONEY_FORMAT, PERCENT_FORMAT]
    rate = rows["复购率"]
    assert [c.value for c in rate[:5]] == ["复购率", 0, 0.3333, 33.33, None]
    assert [c.number_format for c in rate[1:3]] == [PERCENT_FORMAT, PERCENT_FORMAT]
    assert [c.value for c in rows["订单数"][:5]] == ["订单数", 1, 4, 3, 3]
    assert rows["损耗率"][5].value.startswith("尚未计算")

    response = client.get(PAGE, {**OCT_NOV, "format": "csv", "store": mall["s1"].pk})
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][1] == mall["s1"].name
    table = {line[0]: line[1:5] for line in lines[6:]}
    assert lines[5] == ["指标", "之前", "之后", "变化", "变化率", "说明"]
    assert table["销售额"] == ["80.00", "300.00", "220.00", "275.00%"]  # S1: b0; a1 100 + b1 200
    assert table["复购率"] == ["0.00%", "0.00%", "0.00", ""]
    assert table["客单价"] == ["80.00", "150.00", "70.00", "87.50%"]


@pytest.mark.parametrize(("query", "message"), [
    ({"before_from": "2026-13-01"}, "请输入正确的日期"),
    ({"after_to": "yesterday"}, "请输入正确的日期"),
    ({**OCT_NOV, "before_to": "2026-09-30"}, "「之前」的结束日期早于开始日期"),
    ({**OCT_NOV, "after_from": "2026-12-01"}, "「之后」的结束日期早于开始日期"),
    ({**OCT_NOV, "before_from": "2025-10-01"}, "「之前」最长 366 天"),
    ({**OCT_NOV, "format": "xlsx", "after_from": "2025-01-01"}, "「之后」最长 366 天"),
    ({"after_to": "9999-12-31"}, "日期须在 2000-01-01 至 2099-12-31 之间"),
    ({"after_from": "0001-01-01"}, "日期须在 2000-01-01 至 2099-12-31 之间"),
])
def test_bad_input_says_so(client, mall, query, message):  # noqa: F811
    owner_client(client, mall)
    response = client.get(PAGE, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'id="ba-result"' not in html


def test_who_may_see_it(client, mall):  # noqa: F811
    owner_client(client, mall)
    assert client.get(PAGE, {"store": make_store(make_merchant()).pk}).status_code == 404
    assert client.get(PAGE, {"store": "x"}).status_code == 404
    assert client.get(PAGE, {"store": mall["s1"].pk}).status_code == 200
    client.logout()
    assert client.get(PAGE).status_code == 302
    for user in (make_consumer(), mall["guide"].user, make_supplier_staff(make_supplier()), make_platform_user(),
                 make_guide(make_store(make_merchant())).user):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403, user.role


# --- the API --------------------------------------------------------------------------------------


def api_get(client, user, **params):
    return client.get(API, params, HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=user)}")


def test_the_api(client, mall):  # noqa: F811
    from config.api import api

    assert "get" in api.get_openapi_schema()["paths"]["/api/v1/analytics/before-after"]
    owner = make_merchant_owner(mall["merchant"])
    response = api_get(client, owner, **OCT_NOV)
    assert response.status_code == 200
    data = response.json()
    assert data["merchant_id"] == mall["merchant"].pk
    assert data["before"] == {"date_from": "2026-10-01", "date_to": "2026-10-31", "days": 31}
    assert rows_of(data)["sales"] == ("80.00", "370.00", "290.00", 362.5, None)
    assert rows_of(data)["repurchase_rate"] == (0.0, 0.3333, None, None, 33.33)
    assert data["kpis"][-1] == {"key": "loss_rate", "label": "损耗率", "kind": "rate", "computed": False,
                                "before": None, "after": None, "change": None, "change_percent": None,
                                "change_points": None}
    store = api_get(client, owner, store_id=mall["s2"].pk, **OCT_NOV).json()
    assert store["store"] == {"id": mall["s2"].pk, "name": mall["s2"].name}
    assert rows_of(store)["sales"] == ("0.00", "70.00", "70.00", None, None)
    download = api_get(client, owner, format="csv", **OCT_NOV)
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")

    staff = make_platform_user()
    assert rows_of(api_get(client, staff, merchant_id=mall["merchant"].pk, **OCT_NOV).json())["orders"][:2] == (1, 4)
    assert api_get(client, staff, **OCT_NOV).json()["code"] == "invalid_input"  # which merchant?


def test_the_api_refuses(client, mall):  # noqa: F811
    owner = make_merchant_owner(mall["merchant"])
    other = make_store(make_merchant())
    response = api_get(client, owner, store_id=other.pk)
    assert (response.status_code, response.json()["code"]) == (404, "unknown_store")
    response = api_get(client, owner, **{**OCT_NOV, "before_to": "2026-09-01"})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_input")
    response = api_get(client, owner, **{**OCT_NOV, "after_from": "2025-01-01"})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_input")
    for far in ({"after_to": "9999-12-31"}, {"after_from": "0001-01-01"}, {"after_from": "2000-01-01"}):
        response = api_get(client, owner, **far)
        assert (response.status_code, response.json()["code"]) == (400, "invalid_input"), far
    response = api_get(client, owner, before_from="not-a-day")
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
    # another merchant's owner naming this merchant still gets their own merchant's numbers
    stranger = make_merchant_owner(make_merchant())
    data = api_get(client, stranger, merchant_id=mall["merchant"].pk, **OCT_NOV).json()
    assert data["merchant_id"] == stranger.tenant_id and rows_of(data)["orders"][:2] == (0, 0)
    assert api_get(client, stranger, store_id=mall["s1"].pk).status_code == 404
    for user in (make_consumer(), mall["guide"].user, make_supplier_staff(make_supplier())):
        assert api_get(client, user).status_code == 403, user.role
    assert client.get(API).status_code == 401
