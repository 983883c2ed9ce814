"""`linkmall analytics kpis --merchant ID --from DATE --to DATE [--store ID] [--guide ID] [--json]`:
the merchant's numbers over local calendar days (docs/analytics.md)."""

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linkmall.analytics.kpis import KPI_KEYS, merchant_kpis, scope_for
from linkmall.core.errors import DomainError


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"invalid_input: not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "The merchant's numbers: KPIs over a period of calendar days (Asia/Shanghai)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        kpis = sub.add_parser("kpis", help="sales, buyers, repurchase, private users, marketing cost, ...")
        kpis.add_argument("--merchant", type=int, required=True, help="merchant id")
        kpis.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
        kpis.add_argument("--to", dest="date_to", required=True, help="last day (included), YYYY-MM-DD")
        kpis.add_argument("--store", type=int, help="only this store's orders")
        kpis.add_argument("--guide", type=int, help="only this guide's orders")
        kpis.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            scope = scope_for(merchant_id=options["merchant"], date_from=_day(options["date_from"]),
                              date_to=_day(options["date_to"]), store_id=options["store"],
                              guide_id=options["guide"])
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        data = merchant_kpis(scope).as_json()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        width = max(len(key) for key in KPI_KEYS)
        self.stdout.write(f"merchant {scope.merchant.pk} {scope.merchant.name}, "
                          f"{scope.date_from.isoformat()} – {scope.date_to.isoformat()}"
                          + (f", store {scope.store.pk}" if scope.store else "")
                          + (f", guide {scope.guide.pk}" if scope.guide else ""))
        for key in KPI_KEYS:
            value = data[key]
            self.stdout.write(f"  {key:<{width}}  {'—' if value is None else value}")
        details = data["details"]
        for key in ("repeat_buyers", "new_customers_via_share", "private_users_growth", "marketing_share"):
            value = details[key]
            self.stdout.write(f"  {key:<{width}}  {'—' if value is None else value}")
