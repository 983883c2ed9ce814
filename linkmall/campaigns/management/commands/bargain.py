"""`linkmall bargain expire`: mark every open bargain whose time is up as expired now. Each bargain
also has its own expiry task, booked at its `expires_at` when it starts, so there is no daily run to
schedule; this catches up after the tasks did not run (a worker down, data loaded by hand)."""

from linkmall.campaigns.management.expiry import ExpireCommand


class Command(ExpireCommand):
    help = "Bargains: expire the open ones whose time is up now."
    expire_help = "mark open bargains past their end as expired"
    schedulable = False

    def expire(self) -> int:
        from linkmall.campaigns.services.bargain import bargains_expire

        return bargains_expire()
