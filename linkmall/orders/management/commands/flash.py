"""`linkmall flash worker [--once] [--batch 100] [--seconds N]`: write the orders of the buyers the
flash sale's Redis path admitted (orders.flash_worker). Runs until SIGTERM or Ctrl-C, finishing
the batch in hand; `--once` writes what is waiting and stops (tests, cron)."""

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from linkmall.orders import flash_worker


class Command(BaseCommand):
    help = "The flash sale's order writer for the Redis path."
    # a long-running writer needs the models only, not the URLs and pages the checks would import
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        worker = sub.add_parser("worker", help="write the orders of buyers admitted in Redis")
        worker.add_argument("--once", action="store_true", help="write what is waiting, then stop")
        worker.add_argument("--batch", type=int, default=100, help="entries per database transaction")
        worker.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until SIGTERM)")
        worker.add_argument("--name", default="flash-worker", help="the consumer's name in the group")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.REDIS_URL:
            raise CommandError("REDIS_URL is not set: flash sales run on the database path, with no worker.")
        if not 1 <= options["batch"] <= 1000:
            raise CommandError("--batch must be between 1 and 1000")
        stop = {"now": False}

        def _stop(signum: int, frame: object) -> None:
            stop["now"] = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        done = flash_worker.run(consumer=options["name"], batch=options["batch"], once=options["once"],
                                stopped=lambda: stop["now"], max_seconds=options["seconds"])
        self.stdout.write(f"flash worker: {done.written} orders written, {len(done.refused)} refused")
