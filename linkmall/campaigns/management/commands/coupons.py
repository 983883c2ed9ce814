"""`linkmall coupons expire [--schedule]`: mark unused coupons past their end as expired now, and
book the daily run (once; running it again adds nothing)."""

from linkmall.campaigns.management.expiry import ExpireCommand


class Command(ExpireCommand):
    help = "Coupons: expire the unused ones past their end now, and schedule the daily run."
    expire_help = "mark unused coupons past their end as expired"

    def expire(self) -> int:
        from linkmall.campaigns.services import coupons_expire

        return coupons_expire()

    def schedule(self) -> bool:
        from linkmall.campaigns.tasks import coupons_expire_schedule

        return coupons_expire_schedule()
