"""`linkmall synthetic --customers N --events M --out DIR` (CSV) or `--load --merchant ID` (database)."""

import datetime as dt
import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from linkmall.core import clock
from linkmall.core.errors import DomainError


class Command(BaseCommand):
    help = "Generate a seeded synthetic merchant world; write it as CSV files or load it into a merchant."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, required=True)
        parser.add_argument("--events", type=int, required=True)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--items", type=int, help="products (default: the merchant's with --load, else 200)")
        parser.add_argument("--categories", type=int, default=12)
        parser.add_argument("--stores", type=int, help="stores (default: the merchant's with --load, else 3)")
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--start", help="first day, YYYY-MM-DD (default: --days before today)")
        parser.add_argument("--out", help="directory for interactions, transactions, events, shares, customers CSV")
        parser.add_argument("--load", action="store_true", help="insert the world into --merchant's tables")
        parser.add_argument("--merchant", type=int)
        parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")

    def handle(self, *args, **o):
        from linkmall.customers.synthetic import WorldSpec, generate, load_world, merchant_catalogue, write_csv

        if not o["out"] and not o["load"]:
            raise CommandError("say where the world goes: --out DIR and/or --load --merchant ID")
        if o["load"] and not o["merchant"]:
            raise CommandError("--load needs --merchant ID")
        items, stores, categories = o["items"] or 200, o["stores"] or 3, o["categories"]
        real_items = None
        if o["load"]:
            catalogue = merchant_catalogue(o["merchant"])
            if not catalogue.products:
                raise CommandError(f"merchant {o['merchant']} has no active listings to generate views of")
            if o["items"] is None:
                # one item per real product: its category and price shape the generated behaviour
                real_items = catalogue
                items, categories = len(catalogue.products), max(catalogue.categories) + 1
            stores = o["stores"] or max(1, len(catalogue.stores))
        try:
            start = dt.date.fromisoformat(o["start"]) if o["start"] else clock.today() - dt.timedelta(o["days"])
        except ValueError:
            raise CommandError(f"--start {o['start']!r} is not a date YYYY-MM-DD") from None
        try:
            spec = WorldSpec(customers=o["customers"], events=o["events"], items=items, categories=min(
                categories, items), stores=stores, days=o["days"], start=start, seed=o["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None

        began = time.monotonic()
        last = [0.0]

        def progress(stage, done, total):
            now = time.monotonic()
            if not o["quiet"] and (done == total or now - last[0] > 2):
                last[0] = now
                print(f"{stage}: {done}/{total} ({now - began:.0f}s)", file=sys.stderr, flush=True)

        world = generate(spec, item_category=real_items.categories if real_items else None,
                         item_price_fen=real_items.prices_fen if real_items else None)
        progress("generated", 1, 1)
        result = {"customers": spec.customers, "events": len(world.ev_customer),
                  "purchases": len(world.pu_customer), "shares": int((world.referrer >= 0).sum()),
                  "seed": spec.seed, "start": spec.start.isoformat()}
        if o["out"]:
            result["files"] = write_csv(world, o["out"], progress=progress)
        if o["load"]:
            try:
                result["loaded"] = load_world(world, merchant_id=o["merchant"], progress=progress)
            except DomainError as exc:
                raise CommandError(exc.message) from None
        result["seconds"] = round(time.monotonic() - began, 1)
        self.stdout.write(json.dumps(result, ensure_ascii=False))
