"""`linkmall digest run [--day D] [--guide ID]` makes digests now; `linkmall digest schedule` starts
the daily 08:00 run (once; running it again adds nothing)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from linkmall.cards import digest
from linkmall.cards.digest_tasks import digest_schedule
from linkmall.stores.models import Guide


class Command(BaseCommand):
    help = "Guides' daily digests: make them now, or schedule the daily run at 08:00 (Asia/Shanghai)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="make the digests of a day now (default: yesterday)")
        run.add_argument("--day", help="YYYY-MM-DD, a day in the shop's time zone")
        run.add_argument("--guide", type=int, help="only this guide")
        sub.add_parser("schedule", help="make sure the daily run is scheduled for the next 08:00")

    def handle(self, *args, **options):
        if options["action"] == "schedule":
            added = digest_schedule()
            when = digest.next_digest_time().strftime("%Y-%m-%d %H:%M %Z")
            self.stdout.write(f"daily digest scheduled for {when}" if added else "daily digest already scheduled")
            return
        try:
            day = date.fromisoformat(options["day"]) if options["day"] else digest.yesterday()
        except ValueError:
            raise CommandError(f"not a day: {options['day']!r} (use YYYY-MM-DD)") from None
        guides = digest.digest_guides()
        if options["guide"] is not None:
            if not Guide.objects.filter(pk=options["guide"]).exists():
                raise CommandError(f"no guide with id {options['guide']}")
            guides = [options["guide"]]
        for guide_id in guides:
            made = digest.digest_build(guide_id=guide_id, day=day)
            self.stdout.write(f"guide {guide_id} {day}: {made.body['visitors']} visitors, "
                              f"{made.body['new_visitors']} new")
