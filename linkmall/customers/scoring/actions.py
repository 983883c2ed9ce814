"""What each layer gets after a recompute (分层运营):

core       birthday offer when their birthday falls in the coming 7 days or this month (once a
           year), an exclusive offer (once a month), and new-product early access when the
           merchant listed products in the last 14 days (once a week);
active     a follow-up reminder for their guide — one open at a time, so an unanswered one is
           not buried under copies;
potential  a first-purchase nudge for those who never bought (once a month).

Set-based INSERT … SELECT … ON CONFLICT DO NOTHING against Outreach's one-per-kind-and-period
constraint: running twice in a period adds nothing, and the counts say how many were new.
"""

from datetime import date, timedelta

from django.db import connection, transaction

from linkmall.core import clock
from linkmall.customers.models import Layer, Outreach, Profile, Purchase, Reminder

FOLLOW_UP_SOURCE = "layer_active"
FOLLOW_UP_BODY = "活跃客户跟进：近期互动频繁，请主动问候并推荐合适的商品"
DETAIL = {
    Outreach.Kind.BIRTHDAY_OFFER: "生日礼遇：生日当月专享优惠",
    Outreach.Kind.EXCLUSIVE_OFFER: "核心客户专属优惠",
    Outreach.Kind.FIRST_PURCHASE: "首单激励：首次下单立享优惠",
}


def _insert_outreach(merchant_id: int, layer: str, kind: str, period: str, detail: str, extra: str = "",
                     params: tuple = ()) -> int:
    o, p = Outreach._meta.db_table, Profile._meta.db_table
    at = connection.ops.adapt_datetimefield_value(clock.now())
    sql = (f"INSERT INTO {o} (profile_id, kind, period, detail, created_at) "
           f"SELECT p.id, %s, %s, %s, %s FROM {p} p WHERE p.merchant_id = %s AND p.layer = %s {extra} "
           f"ON CONFLICT (profile_id, kind, period) DO NOTHING")
    with connection.cursor() as cursor:
        cursor.execute(sql, (kind, period, detail[:200], at, merchant_id, layer, *params))
        return max(cursor.rowcount, 0)


def _birthday_in(today: date, birthday: date) -> date | None:
    """This year's (or, near New Year, next year's) birthday when it is this month or within 7 days."""
    for year in (today.year, today.year + 1):
        try:
            day = birthday.replace(year=year)
        except ValueError:  # 29 February in a common year: celebrate on the 28th
            day = date(year, 2, 28)
        if (day.year, day.month) == (today.year, today.month) or today <= day <= today + timedelta(days=7):
            return day
    return None


def _birthdays(merchant_id: int, today: date) -> int:
    now = clock.now()
    rows = []
    for profile_id, birthday in Profile.objects.filter(
            merchant_id=merchant_id, layer=Layer.CORE, birthday__isnull=False).values_list("id", "birthday"):
        if birthday is None:  # the filter leaves none out; this says so to the type checker
            continue
        day = _birthday_in(today, birthday)
        if day is not None:
            rows.append(Outreach(profile_id=profile_id, kind=Outreach.Kind.BIRTHDAY_OFFER, period=str(day.year),
                                 detail=f"{DETAIL[Outreach.Kind.BIRTHDAY_OFFER]}（{day.month}月{day.day}日）",
                                 created_at=now))
    before = Outreach.objects.filter(profile__merchant_id=merchant_id, kind=Outreach.Kind.BIRTHDAY_OFFER).count()
    Outreach.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return Outreach.objects.filter(profile__merchant_id=merchant_id, kind=Outreach.Kind.BIRTHDAY_OFFER).count() - before


def _new_products(merchant_id: int, now) -> list[str]:
    """Names of the products listed in the last 14 days; those in early access (新品抢先, only core
    customers may buy them yet) come first, whenever they were listed."""
    from django.db.models import Q

    from linkmall.stores.models import Listing

    early = (Listing.objects.filter(merchant_id=merchant_id, is_active=True, early_access_until__gt=now)
             .order_by("early_access_until", "pk").values_list("product__name", flat=True))
    names = (Listing.objects.filter(Q(early_access_until__isnull=True) | Q(early_access_until__lte=now),
                                    merchant_id=merchant_id, is_active=True, created_at__gte=now - timedelta(days=14))
             .order_by("-created_at").values_list("product__name", flat=True))
    return list(dict.fromkeys([*early, *names]))


def _follow_ups(merchant_id: int) -> int:
    r, p = Reminder._meta.db_table, Profile._meta.db_table
    now = clock.now()
    sql = (f"INSERT INTO {r} (profile_id, guide_id, body, due_at, source, created_at) "
           f"SELECT p.id, p.guide_id, %s, %s, %s, %s FROM {p} p WHERE p.merchant_id = %s AND p.layer = %s "
           f"AND NOT EXISTS (SELECT 1 FROM {r} r WHERE r.profile_id = p.id AND r.source = %s AND r.done_at IS NULL)")
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, (FOLLOW_UP_BODY, adapt(now + timedelta(days=1)), FOLLOW_UP_SOURCE, adapt(now),
                             merchant_id, Layer.ACTIVE, FOLLOW_UP_SOURCE))
        return max(cursor.rowcount, 0)


def layer_actions_run(*, merchant_id: int) -> dict[str, int]:
    """Give every layer its treatment for the current period; returns how many were new, by kind.

    Callers hold the merchant's recompute claim (see layering), so two runs never race on the
    reminders, which have no unique key of their own."""
    now = clock.now()
    today = clock.today()
    month = f"{today.year}-{today.month:02d}"
    iso = today.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    pu = Purchase._meta.db_table
    counts = {}
    with transaction.atomic():
        counts["birthday_offer"] = _birthdays(merchant_id, today)
        counts["exclusive_offer"] = _insert_outreach(merchant_id, Layer.CORE, Outreach.Kind.EXCLUSIVE_OFFER, month,
                                                     DETAIL[Outreach.Kind.EXCLUSIVE_OFFER])
        products = _new_products(merchant_id, now)
        counts["early_access"] = _insert_outreach(
            merchant_id, Layer.CORE, Outreach.Kind.EARLY_ACCESS, week, "新品抢先：" + "、".join(products)
        ) if products else 0
        counts["follow_up"] = _follow_ups(merchant_id)
        counts["first_purchase"] = _insert_outreach(
            merchant_id, Layer.POTENTIAL, Outreach.Kind.FIRST_PURCHASE, month, DETAIL[Outreach.Kind.FIRST_PURCHASE],
            extra=f"AND NOT EXISTS (SELECT 1 FROM {pu} b WHERE b.merchant_id = p.merchant_id AND b.user_id = p.user_id "
                  f"AND b.refunded_fen < b.amount_fen)",
        )
    return counts
