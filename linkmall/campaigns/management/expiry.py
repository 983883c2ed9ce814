"""The shape of `linkmall coupons expire`, `linkmall points expire` and `linkmall bargain expire`: run
an expiry service now, and with `--schedule` book its daily task (once; running it again adds
nothing) where there is one (`schedulable`)."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class ExpireCommand(BaseCommand):
    #: what `expire` does, for its --help
    expire_help = ""
    #: whether there is a daily task to book with --schedule
    schedulable = True

    def expire(self) -> int:
        raise NotImplementedError

    def schedule(self) -> bool:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        expire = sub.add_parser("expire", help=self.expire_help)
        if self.schedulable:
            expire.add_argument("--schedule", action="store_true",
                                help="also book the daily expiry task (a db_worker then runs it every day)")

    def handle(self, *args: Any, **options: Any) -> None:
        out: dict[str, object] = {"expired": self.expire()}
        if options.get("schedule"):
            out["scheduled"] = self.schedule()
        self.stdout.write(json.dumps(out))

