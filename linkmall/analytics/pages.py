"""The before/after page (转型成效, /console/merchant/analytics/before-after/, URL name
`analytics:before_after`, docs/analytics.md "Before/after"): a form for the two periods and a store,
the KPIs of both side by side with their change, and the same table as Excel or CSV (`?format=`).
The merchant owner only. Thin: parse the form, call `before_after`, render."""

from datetime import date
from typing import Any

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.analytics.before_after import (
    EARLIEST,
    LATEST,
    before_after,
    filename_of,
    fill_periods,
    page_rows,
    table_of,
)
from linkmall.core import clock
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.params import db_id
from linkmall.core.tables import DOWNLOAD_FORMATS, table_download
from linkmall.ledger.statements import MAX_STATEMENT_DAYS
from linkmall.stores.models import Store

FIELDS = ("before_from", "before_to", "after_from", "after_to")


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"invalid": gettext_lazy("请输入正确的日期，例如 2026-11-30。")})


class BeforeAfterForm(forms.Form):
    before_from = _date_field(gettext_lazy("之前：开始日期"))
    before_to = _date_field(gettext_lazy("之前：结束日期"))
    after_from = _date_field(gettext_lazy("之后：开始日期"))
    after_to = _date_field(gettext_lazy("之后：结束日期"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        for name in FIELDS:
            value = data.get(name)
            if value is not None and not EARLIEST <= value <= LATEST:
                self.add_error(name, _("日期须在 %(earliest)s 至 %(latest)s 之间。") % {
                    "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()})
        if self.errors:
            return data
        periods = dict(zip(FIELDS, fill_periods(today=clock.today(), **{f: data.get(f) for f in FIELDS}),
                           strict=True))
        for name, label in (("before", _("之前")), ("after", _("之后"))):
            start, end = periods[f"{name}_from"], periods[f"{name}_to"]
            if end < start:
                self.add_error(f"{name}_to", _("「%(period)s」的结束日期早于开始日期。") % {"period": label})
            elif (end - start).days >= MAX_STATEMENT_DAYS:
                self.add_error(f"{name}_to", _("「%(period)s」最长 %(days)s 天。") % {
                    "period": label, "days": MAX_STATEMENT_DAYS})
        data.update(periods)
        return data


def _store_id(request: UserRequest) -> int | None:
    raw = request.GET.get("store", "")
    if not raw:
        return None
    number = db_id(raw)
    if number is None:
        raise Http404("No such store.")
    return number


@require_GET
@role_required(Role.MERCHANT_OWNER)
def before_after_page(request: UserRequest) -> HttpResponse:
    merchant_id = request.user.tenant_id or 0
    store_id = _store_id(request)
    stores = list(Store.objects.filter(merchant_id=merchant_id).order_by("pk").values("pk", "name"))
    form = BeforeAfterForm(request.GET)
    context: dict[str, Any] = {"nav": "before_after", "form": form, "stores": stores, "store_id": store_id}
    if not form.is_valid():
        # unparseable dates, a backwards period, one too long: say so, keep what was typed, no numbers
        context["errors"] = [e for errors in form.errors.values() for e in errors]
        context["values"] = {f: request.GET.get(f, "") for f in FIELDS}
        return render(request, "analytics/before_after.html", context, status=400)
    periods: dict[str, date] = {f: form.cleaned_data[f] for f in FIELDS}
    try:
        result = before_after(merchant_id=merchant_id, store_id=store_id, **periods)
    except NotFound:
        raise Http404("No such store.") from None
    except DomainError as exc:  # the form checks what the service does; should they ever differ, say so
        context.update({"errors": [error_text(exc)], "values": {f: request.GET.get(f, "") for f in FIELDS}})
        return render(request, "analytics/before_after.html", context, status=400)
    fmt = request.GET.get("format", "")
    if fmt in DOWNLOAD_FORMATS:
        return table_download(table_of(result), fmt=fmt, filename=filename_of(result))
    query = "&".join(f"{f}={periods[f]:%Y-%m-%d}" for f in FIELDS) + (f"&store={store_id}" if store_id else "")
    context.update({
        "result": result, "rows": page_rows(result), "query": query,
        "values": {f: f"{periods[f]:%Y-%m-%d}" for f in FIELDS},
        "store": result.store, "before": result.before.scope, "after": result.after.scope,
    })
    return render(request, "analytics/before_after.html", context)
