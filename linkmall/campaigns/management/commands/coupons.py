"""`linkmall coupons expire [--schedule]`: mark unused coupons past their end as expired now, and
book the daily run (once; running it again adds nothing)."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Coupons: expire the unused ones past their end now, and schedule the daily run."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        expire = sub.add_parser("expire", help="mark unused coupons past their end as expired")
        expire.add_argument("--schedule", action="store_true",
                            help="also book the daily expiry task (a db_worker then runs it every day)")

    def handle(self, *args: Any, **options: Any) -> None:
        from linkmall.campaigns.services import coupons_expire
        from linkmall.campaigns.tasks import coupons_expire_schedule

        out: dict[str, object] = {"expired": coupons_expire()}
        if options["schedule"]:
            out["scheduled"] = coupons_expire_schedule()
        self.stdout.write(json.dumps(out))
