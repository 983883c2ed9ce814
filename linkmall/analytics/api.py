"""/api/v1/analytics/before-after: the before/after table (转型成效, docs/analytics.md) as JSON, or
as the console's Excel / CSV download."""

from datetime import date
from typing import Any, Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from linkmall.accounts.auth import api_auth
from linkmall.accounts.http import ApiRequest
from linkmall.analytics.before_after import as_json, before_after, filename_of, fill_periods, table_of
from linkmall.core import clock
from linkmall.core.tables import table_download
from linkmall.stores.selectors.merchant import merchant_id_of

router = Router(tags=["analytics"], auth=api_auth)


class BeforeAfterQuery(Schema):
    #: the "before" period, local calendar days, both included (default: the 90 days before "after")
    before_from: date | None = None
    before_to: date | None = None
    #: the "after" period (default: the last 90 days up to today)
    after_from: date | None = None
    after_to: date | None = None
    #: one store of the merchant (default: every store)
    store_id: int | None = Field(None, ge=1, le=2**31 - 1)
    #: platform staff name the merchant; a merchant owner's is always their own
    merchant_id: int | None = Field(None, ge=1, le=2**31 - 1)
    format: Literal["json", "xlsx", "csv"] = "json"


class BeforeAfterPeriodOut(Schema):
    date_from: date
    date_to: date
    days: int


class BeforeAfterStoreOut(Schema):
    id: int
    name: str


class BeforeAfterKpiOut(Schema):
    #: one of the KPI keys of docs/analytics.md, in their order
    key: str
    label: str
    #: money (yuan strings), count (integers), number or rate (a fraction, 0.3333 is 33.33 %)
    kind: Literal["money", "count", "number", "rate"]
    #: false for the KPIs not computed yet (inventory_turnover, loss_rate): always null
    computed: bool
    before: str | int | float | None
    after: str | int | float | None
    #: after − before in the KPI's unit; null for a rate or when a side is null
    change: str | int | float | None
    #: the change relative to before, in percent (one decimal); null for a rate, a null side or before = 0
    change_percent: float | None
    #: a rate's change in percentage points; null otherwise
    change_points: float | None


class BeforeAfterOut(Schema):
    merchant_id: int
    #: the store asked for; null for every store
    store: BeforeAfterStoreOut | None
    before: BeforeAfterPeriodOut
    after: BeforeAfterPeriodOut
    kpis: list[BeforeAfterKpiOut]


@router.get("", response=BeforeAfterOut)
def before_after_get(request: ApiRequest, query: Query[BeforeAfterQuery]) -> HttpResponse | dict[str, Any]:
    """The merchant's KPIs over a "before" and an "after" period side by side, with the change of
    each (转型成效). The merchant owner, or platform staff with `merchant_id`. `format=xlsx` or `csv`
    answers the download. Another merchant's store: `unknown_store` (404); a backwards period or one
    over 366 days: `invalid_input` (400); platform staff without `merchant_id`: `invalid_input`;
    anyone else: 403."""
    merchant_id = merchant_id_of(actor=request.auth, merchant_id=query.merchant_id)
    before_from, before_to, after_from, after_to = fill_periods(
        today=clock.today(), before_from=query.before_from, before_to=query.before_to,
        after_from=query.after_from, after_to=query.after_to)
    result = before_after(merchant_id=merchant_id, store_id=query.store_id, before_from=before_from,
                          before_to=before_to, after_from=after_from, after_to=after_to)
    if query.format != "json":
        return table_download(table_of(result), fmt=query.format, filename=filename_of(result))
    return as_json(result)
