"""`linkmall demo load [--if-empty] [--consumers N] [--seed S]`: fill the database with the demo mall."""

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from linkmall.demo.services import STEP_NAMES, demo_is_loaded, demo_load

STEP_LABELS = {
    "platform": "平台账号",
    "catalogue": "供应商与商品",
    "merchants": "商家、门店与导购",
    "listings": "选品",
    "consumers": "消费者与地址",
    "orders": "90 天订单",
    "tasks": "到期任务",
}


class Command(BaseCommand):
    help = "Demo data: `demo load` creates suppliers, products, merchants, guides, consumers and orders."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="load")
        load = sub.add_parser("load", help="load the demo mall into an empty database")
        load.add_argument("--if-empty", action="store_true", help="do nothing when the database already has data")
        load.add_argument("--consumers", type=int, default=300, help="how many consumers (default 300)")
        load.add_argument("--seed", type=int, default=2025, help="random seed; the same seed gives the same mall")
        load.add_argument("--days", type=int, default=90, help="days of order history (default 90)")
        load.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, action: str, **options):
        if options["consumers"] < 0 or options["days"] < 1:
            raise CommandError("--consumers must be ≥ 0 and --days ≥ 1")
        if demo_is_loaded():
            if options["if_empty"]:
                self.stdout.write("Demo data: the database already has data; nothing loaded.")
                return
            raise CommandError("The database already has data. Use a fresh database, or pass --if-empty.")

        started = time.monotonic()
        bar = tqdm(total=len(STEP_NAMES), unit="step", disable=options["no_progress"], file=self.stderr._out,
                   bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}]")
        seen: list[str] = []

        def progress(step: str) -> None:
            if seen:
                bar.update(1)
            seen.append(step)
            bar.set_description(f"demo: {STEP_LABELS.get(step, step)}")

        try:
            world = demo_load(consumers=options["consumers"], seed=options["seed"], days=options["days"],
                              progress=progress)
            bar.update(1)
        finally:
            bar.close()

        counts = world.counts
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f} s."))
        self.stdout.write(
            f"  {counts.get('suppliers', 0)} suppliers, {counts.get('products', 0)} products, "
            f"{counts.get('merchants', 0)} merchants, {counts.get('stores', 0)} stores, "
            f"{counts.get('guides', 0)} guides, {counts.get('listings', 0)} listings, "
            f"{counts.get('consumers', 0)} consumers, {counts.get('history_orders', 0)} orders "
            f"({counts.get('history_paid', 0)} paid, {counts.get('history_refunded', 0)} refunded)"
        )
        self.stdout.write("Demo logins:")
        for login in world.logins:
            self.stdout.write(f"  {login.role:<28} {login.username:<12} {login.password:<12} {login.note}")
        self.stdout.write("  消费者 consumer: log in at /login/ with any demo consumer's phone; "
                          "the SMS code is printed in the server log.")
