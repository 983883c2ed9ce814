"""`linkmall points expire [--schedule]`: write off what is left of expired points lots now, and
book the daily run (once; running it again adds nothing)."""

from linkmall.campaigns.management.expiry import ExpireCommand


class Command(ExpireCommand):
    help = "Points: expire what is left of earned lots past their end now, and schedule the daily run."
    expire_help = "write off what is left of expired points lots"

    def expire(self) -> int:
        from linkmall.campaigns.services.loyalty import points_expire

        return points_expire()

    def schedule(self) -> bool:
        from linkmall.campaigns.tasks import points_expire_schedule

        return points_expire_schedule()
