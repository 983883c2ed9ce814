"""`linkmall layer_offers deliver [--merchant N] [--schedule]`: deliver the layer actions' outreach
not delivered yet (coupons, early-access notices) now, and book the daily run (once; running it
again adds nothing). Run it after `linkmall layers recompute` to deliver what that run created."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Layer offers: deliver the layer actions' coupons and early access now, and schedule the daily run."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="deliver every outreach not delivered yet")
        deliver.add_argument("--merchant", type=int, default=None, help="only this merchant's")
        deliver.add_argument("--schedule", action="store_true",
                             help="also book the daily delivery task (a db_worker then runs it every day)")

    def handle(self, *args: Any, **options: Any) -> None:
        from linkmall.campaigns.services.layer_offers import layer_offers_deliver
        from linkmall.campaigns.tasks import layer_offers_deliver_schedule

        out: dict[str, object] = {"delivered": layer_offers_deliver(merchant_id=options["merchant"])}
        if options["schedule"]:
            out["scheduled"] = layer_offers_deliver_schedule()
        self.stdout.write(json.dumps(out))
