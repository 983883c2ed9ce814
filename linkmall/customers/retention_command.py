"""`linkmall customers purge [--schedule]`: delete expired tracking data now, and book the daily run."""

import json


def add_arguments(parser) -> None:
    parser.add_argument("--schedule", action="store_true",
                        help="also book the daily purge task (once; a db_worker then runs it every day)")


def handle(command, **options) -> None:
    from linkmall.customers.retention import events_purge_expired
    from linkmall.customers.tasks import retention_schedule

    out = events_purge_expired()
    if options["schedule"]:
        out["scheduled"] = retention_schedule()
    command.stdout.write(json.dumps(out))
